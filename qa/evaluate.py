"""Evaluate the pipeline against gold Q&A pairs with the official SQuAD v2.0 rules.

``normalize_answer``, ``exact_score``, ``f1_score`` and ``best_threshold`` follow the official
``evaluate-v2.0.py`` line for line in behaviour (lower-case, strip punctuation and articles, collapse spaces;
an unanswerable item scores 1 only for an empty prediction; the best threshold sweeps the no-answer
probabilities), so these numbers and the official script's agree on the same predictions.
"""

from __future__ import annotations

import collections
import re
import string
import time
from dataclasses import dataclass, replace

from qa.conversation import Turn
from qa.gold import GoldItem
from qa.pipeline import AskResult, Citation, Pipeline


# --- the official SQuAD v2.0 rules -------------------------------------------------------------------------


def normalize_answer(text: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace (official SQuAD normalisation)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text, flags=re.UNICODE)
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return normalize_answer(text).split() if text else []


def exact_score(gold: str, prediction: str) -> int:
    return int(normalize_answer(gold) == normalize_answer(prediction))


def f1_score(gold: str, prediction: str) -> float:
    gold_tokens, predicted_tokens = _tokens(gold), _tokens(prediction)
    if not gold_tokens or not predicted_tokens:
        return float(gold_tokens == predicted_tokens)
    common = collections.Counter(gold_tokens) & collections.Counter(predicted_tokens)
    shared = sum(common.values())
    if shared == 0:
        return 0.0
    precision, recall = shared / len(predicted_tokens), shared / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def item_scores(item: GoldItem, prediction: str) -> tuple[int, float]:
    """EM and F1 of one prediction: the best over the gold answers; ``[""]`` stands for "no answer"."""
    golds = [a for a in item.answers if normalize_answer(a)] or [""]
    return max(exact_score(g, prediction) for g in golds), max(f1_score(g, prediction) for g in golds)


def best_threshold(
    scores: dict[str, float], na_probs: dict[str, float], predictions: dict[str, str], answerable: dict[str, bool]
) -> tuple[float, float]:
    """The official ``find_best_thresh``: the no-answer threshold that maximises the score, and that score (0-100)."""
    num_no_answer = sum(not a for a in answerable.values())
    current = best = float(num_no_answer)
    threshold = 0.0
    for qid in sorted(na_probs, key=lambda k: na_probs[k]):
        if not answerable[qid]:
            diff = -1 if predictions[qid] else 0
        else:
            diff = scores[qid] if predictions[qid] else 0
        current += diff
        if current > best:
            best, threshold = current, na_probs[qid]
    return 100.0 * best / len(scores), threshold


def calibrate_threshold(
    scores: dict[str, float], na_probs: dict[str, float], predictions: dict[str, str], answerable: dict[str, bool],
    *, max_wrongly_refused: float = 0.05, floor: float = 0.0,
) -> float:
    """The no-answer threshold for serving: the best score among thresholds of at least ``floor`` refusing at most
    ``max_wrongly_refused`` of the answerable questions, taken in the middle of its plateau.

    The official ``best_f1_thresh`` (reported too) optimises F1 alone and sits at the low edge of a plateau; on a
    few dozen questions that edge can refuse a third of answerable questions, which users feel more than a
    wrong-but-cited span.
    """
    ordered = sorted({p for p in na_probs.values() if p >= floor} | {floor, 1.0})
    answerable_ids = [q for q, a in answerable.items() if a]
    allowed = []
    for threshold in ordered:
        refused = sum(na_probs[q] > threshold or not predictions[q] for q in answerable_ids)
        if refused <= max_wrongly_refused * max(1, len(answerable_ids)):
            allowed.append((_score_at(threshold, scores, na_probs, predictions, answerable), threshold))
    best = max(score for score, _ in allowed)
    low = min(t for score, t in allowed if score >= best - 1e-9)
    above = [t for t in ordered if t > low and _score_at(t, scores, na_probs, predictions, answerable) < best - 1e-9]
    return (low + (above[0] if above else 1.0)) / 2


def serving_threshold(results: list[ItemResult], *, max_wrongly_refused: float = 0.05, floor: float = 0.0) -> float:
    """:func:`calibrate_threshold` over evaluation results (rounded to 4 places)."""
    # It needs what the reader would have said had it not abstained, to move the threshold both ways.
    raw = {r.item.id: r.response.raw_answer_text for r in results}
    raw_f1 = {r.item.id: item_scores(r.item, raw[r.item.id])[1] for r in results}
    na_probs = {r.item.id: r.response.no_answer_score for r in results}
    answerable = {r.item.id: r.item.answerable for r in results}
    threshold = calibrate_threshold(raw_f1, na_probs, raw, answerable, max_wrongly_refused=max_wrongly_refused,
                                    floor=floor)
    return round(threshold, 4)


FLOOR_MARGIN = 0.01  # how far above the answerable question at the edge the abstention floor lies


def abstention_floor(
    results: list[ItemResult], *, max_wrongly_refused: float = 0.05, max_f1_cost: float = 1.0,
    margin: float = FLOOR_MARGIN,
) -> float:
    """The lowest no-answer threshold at which abstaining refuses at most ``max_wrongly_refused`` of the answerable
    questions of ``results`` and costs their F1 at most ``max_f1_cost`` points (against not abstaining at all),
    plus ``margin``, so that the question at the edge stays answered when its score moves a little (ONNX
    Runtime's int8 kernels differ by CPU): a limit from questions people ask, under a threshold chosen on
    harder ones."""
    answerable = [r for r in results if r.item.answerable]
    answered = [(r.response.no_answer_score, item_scores(r.item, r.response.raw_answer_text)[1])
                for r in answerable if r.response.raw_answer_text]
    for threshold in sorted({score for score, _ in answered} | {0.0}):
        refused = [f1 for score, f1 in answered if score > threshold]
        cost = 100.0 * sum(refused) / max(1, len(answerable))
        if len(refused) <= max_wrongly_refused * len(answerable) and cost <= max_f1_cost:
            return min(1.0, threshold + margin)
    return 1.0


def _score_at(threshold, scores, na_probs, predictions, answerable) -> float:
    total = 0.0
    for qid, probability in na_probs.items():
        refused = probability > threshold or not predictions[qid]
        total += (not answerable[qid]) if refused else (scores[qid] if answerable[qid] else 0.0)
    return 100.0 * total / len(na_probs)


# --- running an evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemResult:
    item: GoldItem
    response: AskResult
    exact: int
    f1: float
    cited_rank: int | None  # 1-based rank of the first evidence passage holding a gold answer
    verbatim: bool
    seconds: float


def ask_with_history(pipeline: Pipeline, item: GoldItem) -> AskResult:
    """Replay the conversation (each earlier question answered by the pipeline), then ask the item's question."""
    turns: list[Turn] = []
    for earlier in item.history:
        reply = pipeline.ask(earlier, history=turns)
        turns += [("user", earlier), ("assistant", reply.answer.text if reply.answer else "")]
    return pipeline.ask(item.question, history=turns, top_k=max(3, pipeline.settings.top_k))


def run(pipeline: Pipeline, items: list[GoldItem], *, progress: bool = False) -> list[ItemResult]:
    """Ask every gold question (uncached) and score it."""
    from tqdm import tqdm

    results = []
    for item in tqdm(items, desc="evaluating", unit="question", disable=not progress):
        pipeline.clear_cache()
        started = time.perf_counter()
        response = ask_with_history(pipeline, item)
        seconds = time.perf_counter() - started
        prediction = response.answer.text if response.answer else ""
        exact, f1 = item_scores(item, prediction)
        cited_rank = None
        if item.answerable:
            cited_rank = next((i for i, c in enumerate(response.citations, 1) if holds_answer(c, item)), None)
        verbatim = response.answer is None or (
            pipeline.document(response.answer.doc_id).text[response.answer.start : response.answer.end]
            == response.answer.text
        )
        results.append(ItemResult(item, response, exact, f1, cited_rank, verbatim, seconds))
    return results


def at_threshold(results: list[ItemResult], threshold: float) -> list[ItemResult]:
    """The results as they would be with another no-answer threshold (the reader's answers and the citations do
    not depend on it)."""
    rescored = []
    for result in results:
        response = result.response
        raw = response.reader_answer
        abstained = raw is None or response.no_answer_score > threshold
        response = replace(response, answer=None if abstained else raw, abstained=abstained)
        exact, f1 = item_scores(result.item, "" if abstained else raw.text)
        rescored.append(replace(result, response=response, exact=exact, f1=f1))
    return rescored


def holds_answer(citation: Citation, item: GoldItem) -> bool:
    """Whether a cited passage holds a gold answer: its character span covers a gold answer's span where the gold
    file gives offsets (SQuAD v2.0), else the answer's text occurs in it."""
    passage = citation.passage
    if item.spans:
        return any(
            span.doc_id == passage.doc_id and passage.start <= span.start and span.end <= passage.end
            for span in item.spans
        )
    return any(answer in passage.text for answer in item.answers)


def per_article(results: list[ItemResult]) -> dict[str, dict]:
    """For each article of a SQuAD file: questions, F1, HasAns F1, unanswerable questions refused, and the F1
    that refusing everything would get."""
    groups: dict[str, list[ItemResult]] = collections.defaultdict(list)
    for result in results:
        groups[result.item.article].append(result)
    return {
        article: {
            key: figures[key]
            for key in ("total", "HasAns_total", "NoAns_total", "f1", "HasAns_f1", "NoAns_exact", "refuse_all_f1",
                        "hit@3")
        }
        for article, group in groups.items()
        for figures in [metrics(group)]
    }


def metrics(results: list[ItemResult]) -> dict:
    """SQuAD v2 EM/F1 (all, HasAns, NoAns), retrieval hit@k/MRR, abstention, verbatim rate and latency."""
    has_answer = [r for r in results if r.item.answerable]
    no_answer = [r for r in results if not r.item.answerable]

    def mean(values: list[float]) -> float:
        return round(100.0 * sum(values) / len(values), 2) if values else 0.0

    na_probs = {r.item.id: r.response.no_answer_score for r in results}
    answerable = {r.item.id: r.item.answerable for r in results}
    # As the official script: the best threshold over the predictions as submitted (empty where it abstained).
    submitted = {r.item.id: (r.response.answer.text if r.response.answer else "") for r in results}
    exact = {r.item.id: r.exact for r in results}
    f1 = {r.item.id: r.f1 for r in results}
    best_exact, best_exact_threshold = best_threshold(exact, na_probs, submitted, answerable)
    best_f1, best_f1_threshold = best_threshold(f1, na_probs, submitted, answerable)
    abstained = [r for r in results if r.response.abstained]
    correctly_abstained = [r for r in abstained if not r.item.answerable]
    latencies = sorted(r.seconds * 1000 for r in results)
    ranks = [r.cited_rank for r in has_answer]
    return {
        "total": len(results),
        "exact": mean([r.exact for r in results]),
        "f1": mean([r.f1 for r in results]),
        "HasAns_total": len(has_answer),
        "HasAns_exact": mean([r.exact for r in has_answer]),
        "HasAns_f1": mean([r.f1 for r in has_answer]),
        "NoAns_total": len(no_answer),
        "NoAns_exact": mean([r.exact for r in no_answer]),
        "NoAns_f1": mean([r.f1 for r in no_answer]),
        "refuse_all_f1": mean([not r.item.answerable for r in results]),
        "best_exact": round(best_exact, 2),
        "best_exact_thresh": best_exact_threshold,
        "best_f1": round(best_f1, 2),
        "best_f1_thresh": best_f1_threshold,
        "calibrated_thresh": serving_threshold(results),
        "refused": len(abstained),
        "hit@1": mean([rank == 1 for rank in ranks]),
        "hit@3": mean([rank is not None and rank <= 3 for rank in ranks]),
        "mrr": round(sum(1.0 / rank for rank in ranks if rank) / len(ranks), 4) if ranks else 0.0,
        "abstain_precision": mean([1.0] * len(correctly_abstained) + [0.0] * (len(abstained) - len(correctly_abstained))),
        "abstain_recall": mean([r.response.abstained for r in no_answer]),
        "wrongly_refused": mean([r.response.abstained for r in has_answer]),
        "verbatim": mean([r.verbatim for r in results]),
        "latency_ms_p50": round(_percentile(latencies, 50), 2),
        "latency_ms_p95": round(_percentile(latencies, 95), 2),
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    position = (len(values) - 1) * q / 100
    low, high = int(position), min(int(position) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)
