"""``qa eval FILE.json --documents-from-gold`` end to end through the CLI, on a small multi-article SQuAD file.

The metrics it writes are checked against the official SQuAD v2.0 rules recomputed here from the written
predictions.json and na_probs.json (an implementation kept apart from ``qa.evaluate`` on purpose).
"""

from __future__ import annotations

import collections
import json
import re
import string
import subprocess

import pytest
from click.testing import CliRunner

from tests import squad_files
from tests.conftest import ROOT
from ui.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def small_squad(tmp_path_factory):
    """Three short articles written for the tests: answerable and unanswerable questions."""
    data = squad_files.small_squad()
    return squad_files.write(data, tmp_path_factory.mktemp("squad") / "small.json"), data


def _official(data: dict, predictions: dict[str, str], na_probs: dict[str, float]) -> dict[str, float]:
    """The official evaluate-v2.0.py's headline figures (na_prob_thresh 1.0), written from its definitions."""

    def normal(text: str) -> list[str]:
        text = "".join(c for c in text.lower() if c not in string.punctuation)
        return re.sub(r"\b(a|an|the)\b", " ", text).split()

    def f1(gold: str, guess: str) -> float:
        g, p = normal(gold), normal(guess)
        if not g or not p:
            return float(g == p)
        same = sum((collections.Counter(g) & collections.Counter(p)).values())
        return 0.0 if same == 0 else 2 * same / (len(g) + len(p))

    has, exact, fscore = {}, {}, {}
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                golds = [a["text"] for a in qa["answers"] if normal(a["text"])] or [""]
                has[qa["id"]] = bool(qa["answers"])
                guess = predictions[qa["id"]] if na_probs[qa["id"]] <= 1.0 else ""
                exact[qa["id"]] = max(float(normal(g) == normal(guess)) for g in golds)
                fscore[qa["id"]] = max(f1(g, guess) for g in golds)

    def mean(values, ids):
        return 100.0 * sum(values[i] for i in ids) / len(ids)

    answerable = [i for i in has if has[i]]
    unanswerable = [i for i in has if not has[i]]
    return {"exact": mean(exact, has), "f1": mean(fscore, has), "HasAns_exact": mean(exact, answerable),
            "HasAns_f1": mean(fscore, answerable), "NoAns_exact": mean(exact, unanswerable)}


def test_documents_from_gold_end_to_end(small_squad, settings, tmp_path):
    path, data = small_squad
    out = tmp_path / "out"
    seeds_store = settings.store_dir
    before = sorted((p.name, p.stat().st_mtime_ns) for p in seeds_store.iterdir()) if seeds_store.exists() else []
    env = {"QA_SEEDS_DIR": str(settings.seeds_dir), "QA_STORE_DIR": str(seeds_store)}
    result = CliRunner().invoke(main, ["eval", str(path), "--documents-from-gold", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output

    predictions = json.loads((out / "predictions.json").read_text(encoding="utf-8"))
    na_probs = json.loads((out / "na_probs.json").read_text(encoding="utf-8"))
    ids = {qa["id"] for a in data["data"] for p in a["paragraphs"] for qa in p["qas"]}
    assert set(predictions) == set(na_probs) == ids
    written = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    official = _official(data, predictions, na_probs)
    for key, value in official.items():
        assert written["all"][key] == pytest.approx(value, abs=0.05), key

    articles = written["per_article"]
    assert set(articles) == {a["title"].replace("_", " ") for a in data["data"]}
    for figures in articles.values():
        assert figures["refuse_all_f1"] == pytest.approx(100.0 * figures["NoAns_total"] / figures["total"], abs=0.01)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Per article" in report and "| F1 if every question were refused |" in report
    assert (out / "store" / "manifest.json").is_file()  # kept, so a second run reuses it

    after = sorted((p.name, p.stat().st_mtime_ns) for p in seeds_store.iterdir()) if seeds_store.exists() else []
    assert after == before
    changed = subprocess.run(["git", "status", "--porcelain", "--", "seeds", "index", "qa.toml"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert changed == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "is empty"), ("[1, 2]", "not SQuAD v2.0 JSON"), ("{\"data\": [{\"title\": \"T\", \"paragraphs\": [{\"context\": "
     "\"abc\", \"qas\": [{\"id\": \"q\", \"question\": \"?\", \"answers\": [{\"text\": \"zz\", \"answer_start\": 1}]}]}]}]}",
     "does not point at its answer")],
)
def test_documents_from_gold_refuses_bad_files_in_one_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(path), "--documents-from-gold", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
