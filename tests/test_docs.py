"""The documentation: links resolve, and the README stays short and holds both commands."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

DOCUMENTS = sorted({ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("*/README.md"),
                    *ROOT.glob("models/*/README.md")})
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+\s+(.+)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", h.strip().lower())) for h in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(document):
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # an outside address
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{document.name} links to a missing {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{document.name} links to a missing heading {target}"


def test_the_readme_is_short_and_has_both_commands():
    readme = (ROOT / "README.md").read_bytes()
    assert len(readme) <= 16_000
    assert b"make serve" in readme and b"make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")



def test_the_design_reads_in_one_sitting():
    assert len((ROOT / "docs" / "design.md").read_bytes()) <= 15_000
