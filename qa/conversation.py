"""Follow-up questions: which earlier turns of a conversation a question depends on.

A turn is ``(role, content)`` with role ``"user"`` or ``"assistant"``. The context found here only steers
retrieval and anchors the reader; answers still come verbatim from the documents.
"""

from __future__ import annotations

import re

Turn = tuple[str, str]
REFERRING = re.compile(
    r"\b(he|him|his|she|her|hers|it|its|they|them|their|theirs|this|that|these|those|there|then|the same)\b", re.I
)
CONTEXT_TURNS = 2  # the last question and its answer


def follow_up_context(question: str, history: list[Turn]) -> str:
    """Text of the recent turns when ``question`` refers back to them ("What did he say?"), else ``""``."""
    if not history or not _refers_back(question):
        return ""
    recent = history[-CONTEXT_TURNS:]
    return " ".join(content for _, content in recent if content).strip()


def _refers_back(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return bool(REFERRING.search(question)) or len(words) <= 3
