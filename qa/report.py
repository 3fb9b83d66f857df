"""Write an evaluation's files: metrics.json, the official predictions.json / na_probs.json, report.md, a plot."""

from __future__ import annotations

import json
from pathlib import Path

from qa.evaluate import ItemResult

METRIC_ROWS = [
    ("HasAns EM", "HasAns_exact"), ("HasAns F1", "HasAns_f1"), ("NoAns (correctly refused)", "NoAns_exact"),
    ("Overall EM", "exact"), ("Overall F1", "f1"), ("F1 if every question were refused", "refuse_all_f1"),
    ("best F1 / threshold", "best_f1"),
    ("top-1 cited passage holds the answer", "hit@1"), ("top-3", "hit@3"), ("MRR", "mrr"),
    ("abstention precision", "abstain_precision"), ("abstention recall", "abstain_recall"),
    ("answerable wrongly refused", "wrongly_refused"), ("verbatim answers", "verbatim"),
    ("latency p50 / p95 (ms)", "latency_ms_p50"),
]


# a figure over no questions is no figure: shown "–" (the official script leaves such keys out)
COUNTED_OVER = {"HasAns_exact": "HasAns_total", "HasAns_f1": "HasAns_total", "hit@1": "HasAns_total",
                "hit@3": "HasAns_total", "mrr": "HasAns_total", "wrongly_refused": "HasAns_total",
                "NoAns_exact": "NoAns_total", "abstain_recall": "NoAns_total", "abstain_precision": "refused"}


def metrics_table(metrics: dict, columns: dict[str, dict] | None = None) -> str:
    """A markdown table of the headline metrics; ``columns`` adds one column per named subset."""
    columns = columns or {"all": metrics}
    lines = ["| metric | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for label, key in METRIC_ROWS:
        cells = []
        for values in columns.values():
            if key in COUNTED_OVER and not values.get(COUNTED_OVER[key], 1):
                cells.append("–")
            elif key == "best_f1":
                cells.append(f"{values['best_f1']} @ {values['best_f1_thresh']:.3f}")
            elif key == "latency_ms_p50":
                cells.append(f"{values['latency_ms_p50']} / {values['latency_ms_p95']}")
            else:
                cells.append(str(values[key]))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    counts = " / ".join(f"{name}: {v['HasAns_total']} answerable + {v['NoAns_total']} not" for name, v in columns.items())
    return "\n".join(lines) + f"\n\nQuestions: {counts}.\n"


def articles_table(articles: dict[str, dict]) -> str:
    """A markdown table with one row per article of a SQuAD file."""
    lines = [
        "| article | questions (unanswerable) | F1 | HasAns F1 | NoAns refused | F1 if all refused | cited top-3 |",
        "|---|---|---|---|---|---|---|",
    ]
    for article, v in articles.items():
        lines.append(
            f"| {_cell(article)} | {v['total']} ({v['NoAns_total']}) | {v['f1']} | {v['HasAns_f1']} | "
            f"{v['NoAns_exact'] if v['NoAns_total'] else '–'} | {v['refuse_all_f1']} | {v['hit@3']} |"
        )
    return "\n".join(lines) + "\n"


def write_report(
    results: list[ItemResult], metrics: dict, out: Path, columns: dict[str, dict] | None = None,
    articles: dict[str, dict] | None = None, *, gold: str = "", threshold: float | None = None,
) -> None:
    """Write metrics.json (``columns``, ``per_article`` when given, and the no-answer ``threshold`` the answers
    were refused above), the official predictions.json and na_probs.json, no_answer.png and report.md into
    ``out``. ``gold`` names what was evaluated."""
    out.mkdir(parents=True, exist_ok=True)
    written = dict(columns or {"all": metrics}) | ({"per_article": articles} if articles else {})
    if threshold is not None:
        written["no_answer_threshold"] = threshold
    (out / "metrics.json").write_text(json.dumps(written, indent=2) + "\n", encoding="utf-8")
    predictions = {r.item.id: (r.response.answer.text if r.response.answer else "") for r in results}
    (out / "predictions.json").write_text(json.dumps(predictions, ensure_ascii=False, indent=1), encoding="utf-8")
    na_probs = {r.item.id: r.response.no_answer_score for r in results}
    (out / "na_probs.json").write_text(json.dumps(na_probs, indent=1), encoding="utf-8")
    _plot(results, metrics, out / "no_answer.png", threshold)
    rows = ["| id | question | gold | predicted | EM | F1 | cited passage |", "|---|---|---|---|---|---|---|"]
    for r in results:
        expected = " / ".join(r.item.answers) if r.item.answers else "*(no answer)*"
        predicted = r.response.answer.text if r.response.answer else "*(abstained)*"
        cited = r.response.citations[0].passage.passage_id if r.response.citations else ""
        rows.append(f"| {r.item.id} | {_cell(r.item.question)} | {_cell(expected)} | {_cell(predicted)} | {r.exact} | {r.f1:.2f} | {cited} |")
    by_article = f"## Per article\n\n{articles_table(articles)}\n" if articles else ""
    what = f"`{_cell(gold)}`, " if gold else ""
    refused = f"answers refused above the no-answer score {threshold:.4f}; " if threshold is not None else ""
    header = (f"{what}{len(results)} questions; {refused}best F1 / threshold is the official sweep over "
              "`na_probs.json`. What each figure means: `docs/evaluation.md`.\n\n")
    report = (
        "# Evaluation report\n\n" + header + metrics_table(metrics, columns)
        + "\n![no-answer scores](no_answer.png)\n\n"
        + by_article + "## Per question\n\n" + "\n".join(rows) + "\n"
    )
    (out / "report.md").write_text(report, encoding="utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _plot(results: list[ItemResult], metrics: dict, path: Path, threshold: float | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    answerable = [r.response.no_answer_score for r in results if r.item.answerable]
    unanswerable = [r.response.no_answer_score for r in results if not r.item.answerable]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    bins = [i / 20 for i in range(21)]
    left.hist(answerable, bins=bins, alpha=0.6, label="answerable")
    left.hist(unanswerable, bins=bins, alpha=0.6, label="unanswerable")
    if threshold is not None:
        left.axvline(threshold, color="r", label="threshold in force (refused above)")
    left.axvline(metrics["best_f1_thresh"], color="k", linestyle="--", label="best-F1 threshold")
    left.set_xlabel("no-answer score")
    left.set_ylabel("questions")
    left.legend()
    left.set_title("No-answer score by gold label")
    scored = sorted(results, key=lambda r: r.response.no_answer_score, reverse=True)
    precision, recall, refused_right = [], [], 0
    total_unanswerable = max(1, len(unanswerable))
    for n, r in enumerate(scored, start=1):
        refused_right += not r.item.answerable
        precision.append(refused_right / n)
        recall.append(refused_right / total_unanswerable)
    right.plot(recall, precision, marker=".")
    right.set_xlabel("recall of 'no answer'")
    right.set_ylabel("precision of 'no answer'")
    right.set_title("Abstention precision-recall")
    right.set_ylim(0, 1.05)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
