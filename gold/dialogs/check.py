"""Check the dialog sets and print their counts.

Usage: python gold/dialogs/check.py   (from the repository root or anywhere)

Checks: every line is a JSON object; every document id names a file; every answer is a verbatim
substring of one of the dialog's documents; refers_back is a bool; resolves_to is present exactly
on refers_back turns and its words occur in the earlier turns (questions or answers); off-topic
turns have no answers; no document appears in both sets.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SETS = ["tuned", "heldout"]
SEED_ID = "us-pressure-on-maduro-cartel-de-los-soles"

# Turns that have nothing to do with any document; they must be refused.
OFF_TOPIC = {
    "Who won the 2022 World Cup?",
    "Who won the 2018 World Cup?",
    "How do I reset my router?",
    "What's a good recipe for banana bread?",
    "What's the capital of Australia?",
    "What's the capital of Peru?",
    "What's the weather like in Caracas in December?",
    "What's the tallest mountain in Africa?",
    "What's a good recipe for lasagna?",
    "Who painted the Mona Lisa?",
    "How do I change a flat tire?",
    "What's the population of Tokyo?",
}


def document_text(doc_id: str) -> str:
    if doc_id == SEED_ID:
        path = ROOT / "seeds" / f"{doc_id}.txt"
    else:
        path = HERE / "documents" / f"{doc_id}.txt"
    return path.read_text(encoding="utf-8")


def fold(text: str) -> str:
    return text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def check(name: str, errors: list[str]) -> dict:
    counts = {"dialogs": 0, "turns": 0, "refers_back": 0, "unanswerable": 0, "off_topic": 0}
    docs_used: set[str] = set()
    ids: set[str] = set()
    for n, line in enumerate((HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        where = f"{name}.jsonl:{n}"
        try:
            dialog = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"{where}: not JSON ({e})")
            continue
        if set(dialog) != {"id", "documents", "turns"}:
            errors.append(f"{where}: fields {sorted(dialog)}")
        did = dialog.get("id")
        if did in ids:
            errors.append(f"{where}: duplicate id {did}")
        ids.add(did)
        texts = []
        for doc_id in dialog["documents"]:
            docs_used.add(doc_id)
            try:
                texts.append(document_text(doc_id))
            except FileNotFoundError:
                errors.append(f"{where}: no document {doc_id}")
        turns = dialog["turns"]
        if not 3 <= len(turns) <= 5:
            errors.append(f"{where}: {len(turns)} turns")
        if turns and turns[0].get("refers_back"):
            errors.append(f"{where}: first turn refers back")
        counts["dialogs"] += 1
        earlier = ""
        for i, turn in enumerate(turns, 1):
            at = f"{where} {did} turn {i}"
            keys = set(turn)
            if not isinstance(turn.get("refers_back"), bool):
                errors.append(f"{at}: refers_back is not a bool")
            expected = {"question", "answers", "refers_back"} | ({"resolves_to"} if turn.get("refers_back") else set())
            if keys != expected:
                errors.append(f"{at}: fields {sorted(keys)}, expected {sorted(expected)}")
            if "resolves_to" in turn and fold(turn["resolves_to"]) not in fold(earlier):
                errors.append(f"{at}: resolves_to {turn['resolves_to']!r} not found in earlier turns")
            answers = turn.get("answers")
            if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
                errors.append(f"{at}: answers must be a list of non-empty strings")
                answers = []
            for a in answers:
                if not any(a in t for t in texts):
                    errors.append(f"{at}: answer not verbatim in the documents: {a!r}")
            if len(set(answers)) != len(answers):
                errors.append(f"{at}: repeated answer")
            off = turn["question"] in OFF_TOPIC
            if off and (answers or turn.get("refers_back")):
                errors.append(f"{at}: off-topic turn must be unanswered and stand alone")
            if off and i in (1, len(turns)):
                errors.append(f"{at}: off-topic turn at the start or end")
            counts["turns"] += 1
            counts["refers_back"] += bool(turn.get("refers_back"))
            counts["unanswerable"] += not answers
            counts["off_topic"] += off
            earlier += " " + turn["question"] + " " + " ".join(answers)
    counts["documents"] = sorted(docs_used)
    return counts


def main() -> int:
    errors: list[str] = []
    results = {name: check(name, errors) for name in SETS}
    shared = set(results["tuned"]["documents"]) & set(results["heldout"]["documents"])
    if shared:
        errors.append(f"documents in both sets: {sorted(shared)}")
    for name, c in results.items():
        share = c["unanswerable"] / c["turns"] if c["turns"] else 0
        print(f"{name}: {c['dialogs']} dialogs, {c['turns']} turns, {c['refers_back']} refers_back, "
              f"{c['unanswerable']} unanswerable ({share:.0%}), {c['off_topic']} off-topic; documents {', '.join(c['documents'])}")
    for e in errors:
        print("ERROR", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
