"""Real English distractor passages: the documentation and licence texts that this machine's packages ship."""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

from index.passages import split_sentences

SOURCES = [
    (Path(sys.prefix) / "lib", ("*.txt", "*.md", "*.rst", "LICENSE*", "*.LICENSE")),
    (Path("/usr/share/common-licenses"), ("*",)),
    (Path("/usr/share/doc"), ("copyright", "*.txt", "README*", "changelog*.gz", "NEWS*")),
]
SENTENCE_SHAPE = re.compile(r"^[A-Z].{28,498}[.!?]$")


def _is_prose(sentence: str) -> bool:
    letters = sum(c.isalpha() or c == " " for c in sentence)
    return bool(SENTENCE_SHAPE.match(sentence)) and letters >= 0.7 * len(sentence) and " " in sentence


def distractor_sentences(limit: int) -> list[str]:
    """Up to ``limit`` distinct prose sentences (30-500 characters, mostly letters), in a stable order."""
    seen: set[str] = set()
    found: list[str] = []
    for root, patterns in SOURCES:
        if not root.exists():
            continue
        for pattern in patterns:
            for path in sorted(root.rglob(pattern)):
                if not path.is_file() or path.stat().st_size > 5_000_000:
                    continue
                try:
                    raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
                    text = raw.decode("utf-8")
                except (OSError, UnicodeDecodeError, EOFError):
                    continue
                text = re.sub(r"\s*\n\s*(?=[a-z(])", " ", text)  # re-join wrapped lines
                for start, end in split_sentences(text):
                    sentence = " ".join(text[start:end].split())
                    if _is_prose(sentence) and sentence not in seen:
                        seen.add(sentence)
                        found.append(sentence)
                        if len(found) >= limit:
                            return found
    return found


if __name__ == "__main__":
    sentences = distractor_sentences(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print(len(sentences))
    print("\n".join(sentences[:: max(1, len(sentences) // 8)]))
