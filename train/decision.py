"""Whether to answer: the reader's no-answer decision fitted on validation articles, and the serving threshold.

Each candidate is a logistic regression from some of the reading's features (:data:`qa.reader.FEATURES`) to "the
question is answerable". Candidates are compared by predictions made on the validation articles without their
own article (leave one article out), so a candidate with more features gains nothing from fitting its own
questions: the area under the ROC curve, and the mean F1 the threshold rule below maximises. The winner is then
fitted on all validation articles.

The threshold rule: of the thresholds at which the seed article's shipped questions keep at least
``1 - MAX_WRONGLY_REFUSED`` of their answerable questions answered, the one with the best mean of the sets' F1
(validation articles, the seed set and the real documents' tuning set), each set counted as one. Each set stands
for a kind of document the product answers on: Wikipedia articles with SQuAD 2.0's adversarial unanswerable
questions, a news article, and files people have (PDF, HTML, Word, Markdown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from qa.evaluate import ItemResult, item_scores
from qa.reader import Decision

CANDIDATES = {
    "margin": ("margin",),  # the span head's own judgement, Platt-scaled: the decision before this one
    "answerable head": ("answerable",),
    "learned": ("margin", "answerable", "top_answerable", "span", "retrieval"),
}
MAX_WRONGLY_REFUSED = 0.05


def fitted(results: Sequence[ItemResult], features: Sequence[str]) -> Decision:
    """The logistic regression from ``features`` of each answered result to whether its question is answerable."""
    from sklearn.linear_model import LogisticRegression

    answered = [r for r in results if r.response.reader_answer is not None]
    x, y = _matrix(answered, features), [r.item.answerable for r in answered]
    scale = x.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x / scale, y)
    weights = model.coef_[0] / scale
    return Decision(tuple((name, round(float(w), 6)) for name, w in zip(features, weights, strict=True)),
                    round(float(model.intercept_[0]), 6))


def rescored(result: ItemResult, decision: Decision) -> ItemResult:
    """An evaluation result as the reader would give it with ``decision`` (nothing abstained yet: see
    :func:`qa.evaluate.at_threshold`)."""
    answer = result.response.reader_answer
    if answer is None:
        return result
    no_answer = round(decision.no_answer(dict(answer.features)), 4)
    answer = replace(answer, no_answer_score=no_answer, score=round(1.0 - no_answer, 4))
    return replace(result, response=replace(result.response, reader_answer=answer, no_answer_score=no_answer))


def out_of_article(results: Sequence[ItemResult], features: Sequence[str]) -> list[ItemResult]:
    """Each article's results rescored by the decision fitted on the other articles (with one article, by the
    decision fitted on it: a quick trial)."""
    articles = sorted({r.item.article for r in results})
    if len(articles) < 2:
        return [rescored(r, fitted(results, features)) for r in results]
    rescored_by_id = {}
    for article in articles:
        decision = fitted([r for r in results if r.item.article != article], features)
        rescored_by_id.update({r.item.id: rescored(r, decision) for r in results if r.item.article == article})
    return [rescored_by_id[r.item.id] for r in results]


def auc(results: Sequence[ItemResult]) -> float:
    """The area under the ROC curve of ``1 - no_answer_score`` for "answerable" (a question without a span: 0)."""
    from sklearn.metrics import roc_auc_score

    labels = [r.item.answerable for r in results]
    return round(float(roc_auc_score(labels, [1.0 - r.response.no_answer_score for r in results])), 4)


def threshold_for(validation: Sequence[ItemResult], seed: Sequence[ItemResult],
                  documents: Sequence[ItemResult] = ()) -> float:
    """The serving threshold by the rule of this module's docstring, ``documents`` being the real documents'
    tuning set (a set without results is left out of the mean). Rounded to 4 places; the middle of the plateau of
    equal scores, so a small move of a score does not cross it."""
    sets = [results for results in (validation, seed, documents) if results]
    candidates = np.array(sorted({r.response.no_answer_score for s in sets for r in s} | {0.0, 1.0}))
    seed_answerable = [r for r in seed if r.item.answerable]
    refused = _refusals(seed_answerable, candidates).sum(axis=1)
    allowed = refused <= MAX_WRONGLY_REFUSED * len(seed_answerable)
    score = sum(_f1_curve(results, candidates) for results in sets) / len(sets)
    best = score[allowed].max()
    at_best = allowed & (score >= best - 1e-9)
    low = candidates[at_best].min()
    beyond = (candidates > low) & (~allowed | (score < best - 1e-9))
    high = candidates[beyond].min() if beyond.any() else 1.0
    return round(float(low + high) / 2, 4)


def mean_f1_at(validation: Sequence[ItemResult], seed: Sequence[ItemResult], documents: Sequence[ItemResult],
               threshold: float) -> float:
    """What the threshold rule maximises: the mean of the sets' F1 at ``threshold`` (sets without results left
    out)."""
    sets = [results for results in (validation, seed, documents) if results]
    return sum(f1_at(results, threshold) for results in sets) / len(sets)


def f1_at(results: Sequence[ItemResult], threshold: float) -> float:
    """The SQuAD v2 F1 of ``results`` (0-100) when refusing above ``threshold``."""
    return float(_f1_curve(results, np.array([threshold]))[0])


def _f1_curve(results: Sequence[ItemResult], thresholds: np.ndarray) -> np.ndarray:
    """:func:`f1_at` at each of ``thresholds``: each answer is scored once, whatever the threshold."""
    if not results:
        return np.zeros(len(thresholds))
    answered = np.array([item_scores(r.item, r.response.raw_answer_text)[1] if r.response.raw_answer_text else 0.0
                         for r in results])
    unanswerable = np.array([float(not r.item.answerable) for r in results])
    refused = _refusals(results, thresholds)
    return 100.0 * np.where(refused, unanswerable, answered).sum(axis=1) / len(results)


def _refusals(results: Sequence[ItemResult], thresholds: np.ndarray) -> np.ndarray:
    """Whether each result is refused at each threshold (rows: thresholds)."""
    if not results:
        return np.zeros((len(thresholds), 0), dtype=bool)
    scores = np.array([r.response.no_answer_score for r in results])
    empty = np.array([not r.response.raw_answer_text for r in results])
    return empty[None, :] | (scores[None, :] > thresholds[:, None])


def _matrix(results: Sequence[ItemResult], features: Sequence[str]) -> np.ndarray:
    return np.array([[dict(r.response.reader_answer.features)[name] for name in features] for r in results])
