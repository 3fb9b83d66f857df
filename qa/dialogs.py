"""Conversations as gold: dialogs of turns asked in order, each with the earlier turns as history, as the chat asks.

A dialog file is JSON Lines, one dialog per line::

    {"id": "d1", "documents": ["doc-id"], "turns": [
        {"question": "Who is the Defense Secretary?", "answers": ["Pete Hegseth"], "refers_back": false},
        {"question": "What did he say?", "answers": ["..."], "refers_back": true, "resolves_to": "Pete Hegseth"}]}

``answers`` empty: the documents do not answer the turn (off-topic turns included). ``refers_back`` marks a turn
that cannot be understood alone. :func:`run_dialogs` asks every turn with the conversation so far (the product's
own earlier answers as the assistant's turns), and each turn that stands on its own also alone, so that
:func:`dialog_metrics` can say how often the conversation changed an answer that should not depend on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError
from qa.evaluate import item_scores
from qa.gold import GoldItem
from qa.pipeline import AskResult, Pipeline


class DialogFormatError(QAError):
    """The dialog file cannot be read."""


@dataclass(frozen=True, slots=True)
class DialogTurn:
    item: GoldItem
    refers_back: bool
    resolves_to: str = ""


@dataclass(frozen=True, slots=True)
class Dialog:
    id: str
    documents: tuple[str, ...]
    turns: tuple[DialogTurn, ...]


@dataclass(frozen=True, slots=True)
class TurnResult:
    dialog: str
    position: int  # 0 for the first turn
    turn: DialogTurn
    result: AskResult
    f1: float
    alone: AskResult | None  # the same question asked without the conversation (turns that stand on their own)


def is_dialog_file(path: Path) -> bool:
    """Whether ``path`` is JSON Lines whose first record has ``turns``."""
    try:
        with path.open(encoding="utf-8") as file:
            first = next((line for line in file if line.strip()), "")
        return isinstance(record := json.loads(first), dict) and "turns" in record
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False


def load_dialogs(path: Path) -> list[Dialog]:
    """The dialogs of a JSON Lines file. Raises DialogFormatError naming the line."""
    dialogs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            turns = tuple(
                DialogTurn(GoldItem(f"{record['id']}/{at}", str(turn["question"]), [str(a) for a in turn["answers"]]),
                           bool(turn.get("refers_back", False)), str(turn.get("resolves_to", "")))
                for at, turn in enumerate(record["turns"])
            )
            dialogs.append(Dialog(str(record["id"]), tuple(record.get("documents", ())), turns))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DialogFormatError(f"{path.name}, line {number}: not a dialog ({type(exc).__name__}: {exc}).") from None
    if not dialogs:
        raise DialogFormatError(f"{path.name} holds no dialogs.")
    return dialogs


def run_dialogs(pipeline: Pipeline, dialogs: list[Dialog], *, progress: bool = False) -> list[TurnResult]:
    """Ask every turn in order with the conversation so far; turns that stand on their own also alone."""
    from tqdm import tqdm

    results = []
    for dialog in tqdm(dialogs, desc="dialogs", unit="dialog", disable=not progress):
        history: list[tuple[str, str]] = []
        for position, turn in enumerate(dialog.turns):
            pipeline.clear_cache()
            result = pipeline.ask(turn.item.question, history=history)
            alone = None
            if history and not turn.refers_back:
                pipeline.clear_cache()
                alone = pipeline.ask(turn.item.question)
            said = result.answer.text if result.answer else ""
            results.append(TurnResult(dialog.id, position, turn, result, item_scores(turn.item, said)[1], alone))
            history += [("user", result.read_as if result.readings else turn.item.question), ("assistant", said)]  # as the chat keeps it
    return results


def dialog_metrics(results: list[TurnResult]) -> dict:
    """First-turn and follow-up HasAns F1 apart, refusals inside conversations, and how often the conversation
    changed the answer of a turn that stands on its own."""

    def mean(values: list[float]) -> float:
        return round(100.0 * sum(values) / len(values), 2) if values else 0.0

    answerable = [r for r in results if r.turn.item.answerable]
    unanswerable = [r for r in results if not r.turn.item.answerable]
    standing = [r for r in results if r.alone is not None]
    resolved = [r for r in results if r.turn.refers_back and r.turn.resolves_to]
    return {
        "dialogs": len({r.dialog for r in results}),
        "turns": len(results),
        "first_turns_HasAns_f1": mean([r.f1 for r in answerable if r.position == 0]),
        "follow_ups_HasAns_f1": mean([r.f1 for r in answerable if r.turn.refers_back]),
        "later_standalone_HasAns_f1": mean([r.f1 for r in answerable if r.position and not r.turn.refers_back]),
        "all_HasAns_f1": mean([r.f1 for r in answerable]),
        "follow_ups": sum(r.turn.refers_back for r in results),
        "unanswerable_turns": len(unanswerable),
        "unanswerable_refused": mean([r.result.abstained for r in unanswerable]),
        "answerable_wrongly_refused": mean([r.result.abstained for r in answerable]),
        "standalone_changed_by_history": mean([_said(r.result) != _said(r.alone) for r in standing]),
        "standalone_compared": len(standing),
        "follow_ups_read_with_their_antecedent": mean([
            r.turn.resolves_to.lower() in (r.result.read_as or "").lower() for r in resolved]),
    }


def _said(result: AskResult | None) -> tuple[str, int] | None:
    if result is None or result.answer is None:
        return None
    return result.answer.doc_id, result.answer.start


DIALOG_ROWS = [
    ("dialogs / turns", ("dialogs", "turns")), ("first turns: HasAns F1", "first_turns_HasAns_f1"),
    ("follow-ups (refer back): HasAns F1", "follow_ups_HasAns_f1"),
    ("later turns that stand alone: HasAns F1", "later_standalone_HasAns_f1"), ("all turns: HasAns F1", "all_HasAns_f1"),
    ("unanswerable turns refused %", "unanswerable_refused"),
    ("answerable turns wrongly refused %", "answerable_wrongly_refused"),
    ("turns that stand alone whose answer the conversation changed %", "standalone_changed_by_history"),
    ("follow-ups read with their antecedent %", "follow_ups_read_with_their_antecedent"),
]


def dialog_report(metrics: dict, results: list[TurnResult], out: Path) -> str:
    """Write metrics.json, turns.jsonl (every turn: asked, read as, said, F1) and report.md; returns the table."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    with (out / "turns.jsonl").open("w", encoding="utf-8") as file:
        for r in results:
            file.write(json.dumps({
                "dialog": r.dialog, "position": r.position, "question": r.turn.item.question,
                "refers_back": r.turn.refers_back, "read_as": r.result.read_as, "gold": r.turn.item.answers,
                "said": r.result.answer.text if r.result.answer else None, "f1": round(r.f1, 3),
                "alone": (r.alone.answer.text if r.alone.answer else None) if r.alone else "(not asked alone)",
            }, ensure_ascii=False) + "\n")
    lines = ["| measure | value |", "|---|---|"]
    for label, key in DIALOG_ROWS:
        value = " / ".join(str(metrics[k]) for k in key) if isinstance(key, tuple) else metrics[key]
        lines.append(f"| {label} | {value} |")
    table = "\n".join(lines) + "\n"
    (out / "report.md").write_text("# Conversation evaluation\n\n" + table, encoding="utf-8")
    return table
