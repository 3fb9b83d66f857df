"""SQuAD v2 metrics against hand-computed examples, gold loading, and the official output formats."""

from __future__ import annotations

import json

import pytest

from qa.evaluate import (
    ItemResult, abstention_floor, best_threshold, calibrate_threshold, exact_score, f1_score, item_scores,
    normalize_answer,
)
from qa.gold import GoldItem, load_gold, to_squad
from qa.pipeline import AskResult
from qa.reader import Answer
from tests.conftest import GOLD, SEEDS


def test_normalization_drops_case_punctuation_articles_and_spacing():
    assert normalize_answer("The  U.S. Justice Department!") == "us justice department"
    assert normalize_answer("an Apple, a pear") == "apple pear"


def test_exact_and_f1_by_hand():
    assert exact_score("$50 million", "50 million") == 1  # "$" is punctuation
    assert f1_score("Vladimir Padrino López", "Padrino López") == pytest.approx(2 * 1.0 * (2 / 3) / (1 + 2 / 3))
    assert f1_score("the reward", "a reward") == 1.0
    assert f1_score("July", "February") == 0.0


def test_best_over_several_gold_answers():
    item = GoldItem("q", "When?", ["July", "in July"])
    assert item_scores(item, "in July") == (1, 1.0)
    em, f1 = item_scores(GoldItem("q", "Who?", ["Pete Hegseth", "Hegseth"]), "Secretary Pete Hegseth")
    assert em == 0 and f1 == pytest.approx(0.8)


def test_unanswerable_scores_one_only_for_an_empty_prediction():
    item = GoldItem("q", "Who won?", [])
    assert item_scores(item, "") == (1, 1.0)
    assert item_scores(item, "Maduro") == (0, 0.0)


def test_best_threshold_matches_the_official_sweep():
    scores = {"a": 1.0, "b": 0.0, "c": 1.0}
    na_probs = {"a": 0.1, "b": 0.9, "c": 0.5}
    predictions = {"a": "x", "b": "y", "c": "z"}
    answerable = {"a": True, "b": False, "c": True}
    # sorted by na_prob: a(+1) -> 2, c(+1) -> 3, b(-1) -> 2; best 3/3 at threshold 0.5
    assert best_threshold(scores, na_probs, predictions, answerable) == (100.0, 0.5)


def _result(answers: list[str], said: str, no_answer_score: float) -> ItemResult:
    item = GoldItem(f"q{no_answer_score}", "Who?", answers)
    answer = Answer(said, "doc", "doc-1", 0, len(said), 1 - no_answer_score, no_answer_score)
    response = AskResult("Who?", answer, False, no_answer_score, [], "Who?", answer)
    return ItemResult(item, response, *item_scores(item, said), None, True, 0.0)


def test_the_abstention_floor_is_the_lowest_threshold_within_both_limits():
    # twenty answerable questions with no-answer scores 0.05 .. 1.0, all answered right but the least sure one
    results = [_result(["Maduro"], "Maduro" if i < 20 else "Cabello", i / 20) for i in range(1, 21)]
    # refusing the wrong one costs no F1 and is 5% of them; refusing a right one too costs 5 points and is 10%
    assert abstention_floor(results, margin=0.0) == pytest.approx(0.95)
    assert abstention_floor(results) == pytest.approx(0.96)  # a margin above the question at the edge
    assert abstention_floor(results, max_wrongly_refused=0.10, margin=0.0) == pytest.approx(0.95)
    assert abstention_floor(results, max_wrongly_refused=0.10, max_f1_cost=5.0, margin=0.0) == pytest.approx(0.9)
    assert abstention_floor(results, max_wrongly_refused=0.0) == 1.0
    unanswerable = [_result([], "Maduro", 0.01)]  # unanswerable questions set no limit
    assert abstention_floor(results + unanswerable, margin=0.0) == pytest.approx(0.95)


def test_the_calibrated_threshold_stays_above_the_floor():
    # a refused unanswerable question scores 1; the answerable ones are right
    na_probs = {"yes1": 0.2, "yes2": 0.4, "no1": 0.6, "no2": 0.8}
    answerable = {"yes1": True, "yes2": True, "no1": False, "no2": False}
    predictions = {q: "x" for q in na_probs}
    scores = {"yes1": 1.0, "yes2": 1.0, "no1": 0.0, "no2": 0.0}
    assert calibrate_threshold(scores, na_probs, predictions, answerable, max_wrongly_refused=1.0) == 0.5
    threshold = calibrate_threshold(scores, na_probs, predictions, answerable, max_wrongly_refused=1.0, floor=0.7)
    assert threshold == pytest.approx(0.75)  # the best from 0.7 refuses "no2" only: the middle of [0.7, 0.8)


def test_shipped_gold_is_verbatim_and_large_enough():
    items = load_gold(GOLD)
    text = (SEEDS / "us-pressure-on-maduro-cartel-de-los-soles.txt").read_text(encoding="utf-8")
    assert sum(i.answerable for i in items) >= 40 and sum(not i.answerable for i in items) >= 12
    assert any(i.history for i in items)
    for question_file in sorted(GOLD.parent.glob("*.jsonl")):  # the paraphrase sets too
        for item in load_gold(question_file):
            for answer in item.answers:
                assert answer in text, (question_file.name, item.id, answer)


def test_squad_round_trip_keeps_every_item(tmp_path):
    items = load_gold(GOLD)
    documents = {"doc": (SEEDS / "us-pressure-on-maduro-cartel-de-los-soles.txt").read_text(encoding="utf-8")}
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(to_squad(items, documents)), encoding="utf-8")
    core = [(i.id, i.question, i.answers, i.history) for i in items]
    assert [(i.id, i.question, i.answers, i.history) for i in load_gold(path)] == core
    squad = json.loads(path.read_text())
    qa = squad["data"][0]["paragraphs"][0]["qas"][0]
    context = squad["data"][0]["paragraphs"][0]["context"]
    answer = qa["answers"][0]
    assert context[answer["answer_start"] :].startswith(answer["text"])


def test_an_answer_in_no_document_cannot_be_written_as_squad_json():
    from qa.gold import GoldFormatError, GoldItem

    with pytest.raises(GoldFormatError, match="The answer 'Pete Hegsethh' of question 'q' is in no document"):
        to_squad([GoldItem("q", "Who?", ["Pete Hegsethh"])], {"doc": "Pete Hegseth said so."})


def test_the_report_says_what_was_evaluated_the_threshold_and_no_figure_over_no_questions(tmp_path):
    from qa.evaluate import metrics
    from qa.report import write_report

    results = [_result(["Maduro"], "Maduro", 0.2), _result(["July"], "July", 0.3)]  # all answerable
    figures = metrics(results)
    write_report(results, figures, tmp_path, gold="gold/seed-article.jsonl", threshold=0.6089)
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "`gold/seed-article.jsonl`, 2 questions; answers refused above the no-answer score 0.6089;" in report
    assert "| NoAns (correctly refused) | – |" in report and "| abstention recall | – |" in report
    assert "| HasAns F1 | 100.0 |" in report
    assert json.loads((tmp_path / "metrics.json").read_text())["no_answer_threshold"] == 0.6089
