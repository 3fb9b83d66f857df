"""Training the reader: a few real steps on a tiny slice lower the loss; the shipped ONNX reader gives the spans the
training framework gave; labels land on the answer's tokens; perturbed questions are really changed."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from qa.reader import ReaderConfig, SpanModel, encode_pairs
from qa.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tokenizer():
    from index.embedder import BUNDLED_MODEL, resolve_model
    from train.fit import load_tokenizer

    return load_tokenizer(Path(resolve_model(BUNDLED_MODEL)) / "tokenizer.json")


def test_labels_point_at_the_answer_tokens(tokenizer):
    from train.examples import Example
    from train.fit import features

    text = "The escalation follows a 2020 indictment accusing Maduro of conspiring with rebel groups."
    answer = (text.index("Maduro"), text.index("Maduro") + len("Maduro"))
    config = ReaderConfig(max_tokens=64, stride=16)
    (feature,) = features([Example("Who was indicted in 2020?", text, answer, "answer", "q")], tokenizer, config)
    first, last = feature.first, feature.last
    assert (feature.slice.offsets[first][0], feature.slice.offsets[last][1]) == answer
    (null,) = features([Example("Who won?", text, None, "retrieved", "q")], tokenizer, config)
    assert (null.first, null.last) == (0, 0)


def test_an_answer_outside_a_slice_is_no_answer_there(tokenizer):
    from train.examples import Example
    from train.fit import features

    text = " ".join(f"word{i}" for i in range(120)) + " Maduro."
    answer = (text.index("Maduro"), text.index("Maduro") + 6)
    made = features([Example("Who?", text, answer, "answer", "q")], tokenizer, ReaderConfig(max_tokens=64, stride=16))
    assert len(made) > 1
    assert (made[0].first, made[0].last) == (0, 0)  # the first slice does not reach the answer
    last = made[-1]
    assert (last.slice.offsets[last.first][0], last.slice.offsets[last.last][1]) == answer


def test_a_questions_passages_share_a_group_and_a_batch(tokenizer):
    from train.examples import Example
    from train.fit import _batches, features

    answer_text, other = "Maduro was indicted in 2020.", "The reward is $50 million."
    examples = [
        Example("Who was indicted?", answer_text, (0, 6), "answer", "q1"),
        Example("Who was indicted?", other, None, "retrieved", "q1"),
        Example("Who was not indicted?", answer_text, None, "negation", "q1"),  # another wording: its own group
        Example("How much is the reward?", other, (14, 25), "answer", "q2"),
    ]
    made = features(examples * 2, tokenizer, ReaderConfig())  # a repeated example's copies: groups of their own
    groups = [f.group for f in made]
    assert groups[0] == groups[1] and len({groups[0], groups[2], groups[3]}) == 3
    assert groups[4] == groups[5] and groups[4] != groups[0] and len(set(groups)) == 6
    batches = _batches(made, 3, random.Random(1))
    assert sorted(f.group for batch in batches for f in batch) == sorted(groups)
    for batch in batches:
        assert len(batch) <= 3
        for feature in batch:  # every slice of its question
            assert sum(f.group == feature.group for f in batch) == groups.count(feature.group)


def _one_question_on_two_passages(tokenizer, question: str, answer: tuple[int, int] | None):
    """The features of ``question`` read on two passages (the answer, if any, in the first) and zero logits."""
    import torch

    from train.examples import Example
    from train.fit import features

    kind = "answer" if answer else "unanswerable"
    batch = features([Example(question, "Maduro was indicted in 2020.", answer, kind, "q"),
                      Example(question, "Cabello was indicted too.", None, kind, "q")], tokenizer, ReaderConfig())
    length = max(len(f.slice.ids) for f in batch)
    return batch, torch.zeros((2, length)), torch.zeros((2, length))


def test_the_shared_loss_wants_the_answers_passage_to_outscore_the_others(tokenizer):
    from train.fit import shared_loss

    batch, start, end = _one_question_on_two_passages(tokenizer, "Who was indicted?", (0, 6))
    start[0, batch[0].first] = end[0, batch[0].last] = 10.0  # the gold span leads: a small loss
    assert float(shared_loss(batch, start, end)) < 0.01
    cabello = next(i for i, offset in enumerate(batch[1].slice.offsets) if offset is not None)
    start[1, cabello] = end[1, cabello] = 20.0  # the other passage's span leads: a large loss
    assert float(shared_loss(batch, start, end)) > 9.0
    start[1], end[1] = 0.0, 0.0
    start[0, 0] = end[0, 0] = 99.0  # [CLS] and the question are not among the shared tokens
    start[0, 1] = end[0, 1] = 99.0
    assert float(shared_loss(batch, start, end)) < 0.01
    assert float(shared_loss(batch[1:], start[1:], end[1:])) == 0.0  # no answer in the group: nothing shared


def test_a_few_steps_on_a_tiny_slice_lower_the_loss(tokenizer):
    from index.embedder import BUNDLED_MODEL, resolve_model
    from train.examples import Example
    from train.fit import Hyperparameters, features, fit, logits

    text = "Pete Hegseth is the U.S. Defense Secretary. The reward for Maduro's arrest is $50 million."
    examples = [
        Example("Who is the Defense Secretary?", text, (0, 12), "answer", "a"),
        Example("How much is the reward?", text, (text.index("$50"), len(text) - 1), "answer", "b"),
        Example("Who won the election?", text, None, "retrieved", "c"),
        Example("What is the capital of France?", text, None, "retrieved", "d"),
    ]
    losses = []
    settings = Hyperparameters(epochs=12, batch_size=4, learning_rate=3e-4, warmup_share=0.0, seed=1)
    labelled = features(examples, tokenizer, ReaderConfig())
    model = fit(Path(resolve_model(BUNDLED_MODEL)), labelled, settings, progress=False,
                on_step=lambda _, loss: losses.append(loss))
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < 0.5 * sum(losses[:3]) / 3
    answerable = logits(model, [f.slice for f in labelled])[2]
    assert min(answerable[:2]) > max(answerable[2:])  # the answerability head learned which windows answer


def test_an_interrupted_run_resumes_from_its_checkpoint_as_if_never_stopped(tokenizer, tmp_path):
    import torch

    from index.embedder import BUNDLED_MODEL, resolve_model
    from train.examples import Example
    from train.fit import Hyperparameters, features, fit

    text = "Pete Hegseth is the U.S. Defense Secretary. The reward for Maduro's arrest is $50 million."
    examples = [Example("Who is the Defense Secretary?", text, (0, 12), "answer", "a"),
                Example("Who won the election?", text, None, "retrieved", "c")]
    labelled = features(examples, tokenizer, ReaderConfig())
    settings = Hyperparameters(epochs=3, batch_size=1, learning_rate=3e-4, seed=1)
    base = Path(resolve_model(BUNDLED_MODEL))
    whole = fit(base, labelled, settings, progress=False)

    class Stopped(Exception):
        pass

    def stop_at_four(step, loss):
        if step == 4:
            raise Stopped

    checkpoint = tmp_path / "checkpoint.pt"
    with pytest.raises(Stopped):
        fit(base, labelled, settings, progress=False, checkpoint=checkpoint, checkpoint_minutes=0,
            on_step=stop_at_four)
    assert torch.load(checkpoint, weights_only=False)["step"] == 3
    steps = []
    resumed = fit(base, labelled, settings, progress=False, checkpoint=checkpoint, on_step=lambda s, _: steps.append(s))
    assert steps == [1, 2, 3, 4, 5, 6]  # three recorded, three taken
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name
    assert torch.load(checkpoint, weights_only=False)["step"] == 6  # the finished run is kept too
    other = Hyperparameters(epochs=3, batch_size=1, learning_rate=1e-4, seed=1)
    steps.clear()
    fit(base, labelled, other, progress=False, checkpoint=checkpoint, on_step=lambda s, _: steps.append(s))
    assert steps == [1, 2, 3, 4, 5, 6]  # another run's checkpoint is not resumed


def test_a_finished_run_started_again_returns_its_model_without_a_step(tokenizer, tmp_path, monkeypatch):
    import torch

    import train.fit as fitting
    from index.embedder import BUNDLED_MODEL, resolve_model
    from train.examples import Example

    text = "Pete Hegseth is the U.S. Defense Secretary."
    labelled = fitting.features([Example("Who is the Defense Secretary?", text, (0, 12), "answer", "a")],
                                tokenizer, ReaderConfig())
    settings = fitting.Hyperparameters(epochs=2, batch_size=1, learning_rate=3e-4, seed=1)
    base, checkpoint = Path(resolve_model(BUNDLED_MODEL)), tmp_path / "checkpoint.pt"
    whole = fitting.fit(base, labelled, settings, progress=False, checkpoint=checkpoint)
    taken = []
    real_loss = fitting.batch_loss
    monkeypatch.setattr(fitting, "batch_loss", lambda *a: taken.append(1) or real_loss(*a))
    again = fitting.fit(base, labelled, settings, progress=False, checkpoint=checkpoint)
    assert taken == []
    for (name, a), b in zip(whole.state_dict().items(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_a_second_pass_starts_from_the_weights_it_is_given(tokenizer, tmp_path, monkeypatch):
    import torch

    import train.fit as fitting
    from index.embedder import BUNDLED_MODEL, resolve_model
    from train.examples import Example

    text = "Pete Hegseth is the U.S. Defense Secretary."
    labelled = fitting.features([Example("Who is the Defense Secretary?", text, (0, 12), "answer", "a")],
                                tokenizer, ReaderConfig())
    base = Path(resolve_model(BUNDLED_MODEL))
    trained = fitting.fit(base, labelled, fitting.Hyperparameters(epochs=2, batch_size=1, learning_rate=3e-4, seed=1),
                          progress=False).state_dict()
    still = fitting.Hyperparameters(epochs=1, batch_size=1, learning_rate=0.0, seed=2)  # steps that change nothing
    checkpoint = tmp_path / "second.pt"
    second = fitting.fit(base, labelled, still, progress=False, initial=trained, checkpoint=checkpoint).state_dict()
    fresh = fitting.fit(base, labelled, still, progress=False).state_dict()
    assert all(torch.equal(trained[name], second[name]) for name in trained)
    assert not torch.equal(second["answerable.weight"], fresh["answerable.weight"])
    # a checkpoint of a pass from other weights is not resumed
    taken = []
    real_loss = fitting.batch_loss
    monkeypatch.setattr(fitting, "batch_loss", lambda *a: taken.append(1) or real_loss(*a))
    fitting.fit(base, labelled, still, progress=False, initial=fresh, checkpoint=checkpoint)
    assert taken == [1]


def test_the_second_pass_reads_each_squad_question_on_its_own_paragraph():
    from qa.gold import squad_corpus
    from train.examples import paragraph_examples

    first, second = "Maduro was indicted in 2020 in New York.", "The reward is $50 million, doubled in August."
    data = {"data": [{"title": "Venezuela", "paragraphs": [
        {"context": first, "qas": [{"id": "a", "question": "When was Maduro indicted?",
                                    "answers": [{"text": "2020", "answer_start": first.index("2020")}]}]},
        {"context": second, "qas": [
            {"id": "b", "question": "How much is the reward?",
             "answers": [{"text": "$50 million", "answer_start": second.index("$50")}]},
            {"id": "c", "question": "Who doubled the penalty?", "answers": [], "is_impossible": True,
             "plausible_answers": [{"text": "August", "answer_start": second.index("August")}]}]}]}]}
    made = {e.question_id: e for e in paragraph_examples([squad_corpus(data, "tiny")])}
    assert made["a"].text == first and first[slice(*made["a"].answer)] == "2020"
    assert made["b"].text == second and second[slice(*made["b"].answer)] == "$50 million"
    assert made["c"].text == second and made["c"].answer is None and made["c"].kind == "unanswerable"


def test_the_shipped_reader_gives_the_training_frameworks_spans():
    """``parity.json`` holds the spans the torch model gave when it was trained (``[start, end, answered]`` in
    each text). The shipped int8 copy gives most of the same spans, about as many as recorded: int8 weights move
    close calls (and ONNX Runtime's int8 kernels differ by CPU: AVX2 or AVX-512 VNNI), a broken export moves nearly
    all of them."""
    from train.run import PARITY_FILE, _best

    folder = Settings().reader_model
    parity = json.loads((folder / PARITY_FILE).read_text(encoding="utf-8"))
    model = SpanModel(folder)
    same = [_best(*model.logits(r["question"], [r["text"]])[:3], model.config) == r["span"] for r in parity["spans"]]
    assert len(same) >= 20
    assert sum(same) >= 0.7 * len(same)
    assert abs(sum(same) - parity["agreeing"]) <= 0.1 * len(same)


def test_the_model_card_names_its_data_and_figures():
    from qa.datasets import SETS
    from train.run import HELDOUT_SETS, VALIDATION_SET, _described

    card = json.loads((Settings().reader_model / "card.json").read_text(encoding="utf-8"))
    for described in card["data"]["training"]:
        if "set" in described:  # SQuAD, read from the data folder: named by set, file and hash
            assert described["set"] in SETS and SETS[described["set"]].file == described["file"]
            assert len(described["sha256"]) == 64
        else:  # the seed article's question sets, in the repository: the hash of what it was trained on
            assert _described(ROOT / described["file"]) == described
    assert card["data"]["validation"]["set"] == VALIDATION_SET
    assert [d["set"] for d in card["data"]["heldout"]] == list(HELDOUT_SETS)
    assert card["dev-heldout"]["all"]["total"] == 2231 and card["dev-heldout"]["all"]["NoAns_total"] == 1005
    assert card["threshold"] == Settings().no_answer_threshold
    assert card["decision_name"] in card["decisions"]
    for described in card["data"]["threshold"]:  # the files the threshold was chosen on, as they are now
        assert _described(ROOT / described["file"]) == described
    assert card["real-documents"]["all"]["total"] == 118 and card["real-documents"]["all"]["NoAns_total"] == 24


def test_an_unanswerable_question_is_read_on_the_passage_it_was_written_against():
    from types import SimpleNamespace

    from index.passages import Passage
    from qa.gold import GoldItem, GoldSpan
    from train.examples import UNANSWERABLE_REPEAT, TrainingSet, _labelled, _repeats

    passages = [Passage("d", f"d#{n}", 100 * n, 100 * n + 90, f"passage {n}") for n in range(4)]
    item = GoldItem("q", "What is the thirty-fourth Bond film?", [], plausible=(GoldSpan("d", 205, 212, "Spectre"),))
    made = _labelled(item, [passages[0], passages[2], passages[1]], SimpleNamespace(passages=passages))
    assert [e.text for e in made] == ["passage 2", "passage 0"]  # the tempting one first, no passage twice
    assert all(e.answer is None and e.kind == "unanswerable" for e in made)
    assert _repeats(item, TrainingSet([], [item])) == UNANSWERABLE_REPEAT > 1


def test_without_a_plausible_answer_it_is_read_on_its_own_paragraphs_passages():
    from types import SimpleNamespace

    from index.passages import Passage
    from qa.gold import GoldItem, GoldSpan
    from train.examples import PARAGRAPH_PASSAGES, TrainingSet, _labelled, _repeats

    passages = [Passage("d", f"d#{n}", 100 * n, 100 * n + 90, f"passage {n}") for n in range(6)]
    paragraph = GoldSpan("d", 200, 490, "…")  # passages 2, 3 and 4
    item = GoldItem("q", "Who abolished the Scottish Parliament in 1999?", [], paragraph=paragraph)
    made = _labelled(item, [passages[0], passages[4], passages[5]], SimpleNamespace(passages=passages))
    # the retrieved passage of its paragraph first, then the paragraph's others, then the first two retrieved
    assert PARAGRAPH_PASSAGES == 2
    assert [e.text for e in made] == ["passage 4", "passage 2", "passage 0"]
    assert all(e.answer is None and e.kind == "unanswerable" for e in made)
    assert _repeats(item, TrainingSet([], [item])) == 1  # many of them: each read once


def test_perturbations_change_the_question():
    from train import perturb

    rng = random.Random(3)
    swapped = perturb.swap_entity("When did Beyoncé tour Europe?", [("Europe", "LOC")], {"LOC": ["Europe", "Asia"]}, rng)
    assert swapped == ("When did Beyoncé tour Asia?", "Asia")
    assert perturb.swap_antonym("What was the first album?", rng) == ("What was the last album?", "last")
    assert perturb.negate("Who was indicted in 2020?", rng)[0] in {"Who was not indicted in 2020?",
                                                                  "Who was never indicted in 2020?"}
    year = perturb.swap_number("What happened in 2008?", rng)
    assert year is not None and year[1] != "2008" and year[1] in year[0]
    assert perturb.swap_entity("Who?", [], {}, rng) is None


def _results(rng: random.Random, count: int = 240, articles: int = 3):
    """Evaluation results whose answerable questions have higher margins and answerable logits."""
    from qa.evaluate import ItemResult
    from qa.gold import GoldItem
    from qa.pipeline import AskResult
    from qa.reader import Answer

    results = []
    for number in range(count):
        answerable = number % 2 == 0
        features = (("margin", rng.gauss(3.0 if answerable else 0.0, 2.0)),
                    ("answerable", rng.gauss(2.0 if answerable else -2.0, 1.0)),
                    ("top_answerable", 0.0), ("span", rng.gauss(10.0, 1.0)), ("retrieval", 0.5))
        answer = Answer("x", "d", "d#0", 0, 1, 0.5, 0.5, features=features)
        item = GoldItem(str(number), "?", ["x"] if answerable else [], article=f"a{number % articles}")
        response = AskResult("?", answer, False, 0.5, [], "?", answer)
        results.append(ItemResult(item, response, 0, 0.0, None, True, 0.0))
    return results


def test_a_decision_is_fitted_from_the_features_and_saved_with_the_reader(tmp_path):
    from qa.reader import Decision, ReaderConfig
    from train.decision import auc, fitted, out_of_article

    results = _results(random.Random(0))
    decision = fitted(results, ["margin", "answerable"])
    weights = dict(decision.weights)
    assert weights["answerable"] > weights["margin"] > 0  # the cleaner signal weighs more
    assert decision.no_answer({"margin": 4.0, "answerable": 3.0}) < 0.1 < 0.9 < decision.no_answer(
        {"margin": -1.0, "answerable": -3.0})
    path = tmp_path / "reader.json"
    path.write_text(json.dumps(ReaderConfig(decision=decision).saved()), encoding="utf-8")
    assert ReaderConfig.read(path).decision == decision != Decision()
    # a reader saved with a margin calibration only reads as the decision on the margin
    path.write_text(json.dumps({"calibration": {"slope": 0.7, "intercept": 0.2}}), encoding="utf-8")
    assert ReaderConfig.read(path).decision == Decision((("margin", 0.7),), 0.2)
    crossed = out_of_article(results, ["answerable"])
    assert auc(crossed) > 0.9 > auc(out_of_article(results, ["span"]))


def test_the_threshold_keeps_the_seed_sets_answerable_questions_answered():
    from types import SimpleNamespace

    from train.decision import MAX_WRONGLY_REFUSED, f1_at, threshold_for

    def result(answerable: bool, no_answer: float):
        item = SimpleNamespace(answerable=answerable, answers=["x"] if answerable else [])
        return SimpleNamespace(item=item, response=SimpleNamespace(raw_answer_text="x", no_answer_score=no_answer))

    # validation alone would refuse everything above 0.3; the seed set's answerable questions reach 0.6
    validation = [result(False, 0.4)] * 50 + [result(True, 0.2)] * 10
    seed = [result(True, n / 100) for n in range(10, 61, 10)] * 4 + [result(False, 0.9)] * 5
    threshold = threshold_for(validation, seed)
    refused = sum(r.response.no_answer_score > threshold for r in seed if r.item.answerable)
    assert refused <= MAX_WRONGLY_REFUSED * 24 and threshold < 0.9  # the seed's unanswerable ones stay refused
    assert 0.6 <= threshold < 0.9 and f1_at(seed, threshold) == 100.0


def test_the_real_documents_tuning_set_moves_the_threshold_as_much_as_the_other_sets():
    """Each set counts as one in the rule's mean F1: real documents whose answerable questions score higher than
    SQuAD's unanswerable ones raise the threshold that SQuAD alone would choose."""
    from types import SimpleNamespace

    from train.decision import f1_at, mean_f1_at, threshold_for

    def result(answerable: bool, no_answer: float):
        item = SimpleNamespace(answerable=answerable, answers=["x"] if answerable else [])
        return SimpleNamespace(item=item, response=SimpleNamespace(raw_answer_text="x", no_answer_score=no_answer))

    validation = [result(False, 0.4)] * 30 + [result(True, 0.2)] * 10
    seed = [result(True, 0.1)] * 20 + [result(False, 0.9)] * 5
    documents = [result(True, 0.5)] * 40 + [result(False, 0.95)] * 5
    assert 0.2 <= threshold_for(validation, seed) < 0.4
    assert threshold_for(validation, seed, ()) == threshold_for(validation, seed)
    threshold = threshold_for(validation, seed, documents)
    assert 0.5 <= threshold < 0.9 and f1_at(documents, threshold) == f1_at(seed, threshold) == 100.0
    assert mean_f1_at(validation, seed, documents, threshold) == 75.0 > mean_f1_at(validation, seed, documents, 0.3)


def test_measuring_again_rewrites_the_card_without_training(tmp_path, monkeypatch):
    """``qa train --measure-only``: the card's figures and threshold are replaced, the rest is kept."""
    import shutil

    import train.run as training

    shipped = Settings().reader_model
    for name in ("card.json", "reader.json"):
        shutil.copy(shipped / name, tmp_path / name)
    before = json.loads((tmp_path / "card.json").read_text(encoding="utf-8"))
    figures = before["validation"]["all"]
    measured = {"threshold": 0.42, "decision_name": "margin", "decisions": {"margin": {
        "features": ["margin"], "validation_auc": 0.7, "validation_f1": 50.0, "seed_f1": 80.0, "documents_auc": 0.9,
        "documents_f1": 65.0, "rule_f1": 65.0, "threshold": 0.42}},
        **{name: {"set": name, "all": figures}
           for name in ("validation", "seed", "real-documents", *training.HELDOUT_SETS)}}
    monkeypatch.setattr(training, "_measure", lambda out, data_dir, progress, limit: measured)
    card = training.measure_reader(tmp_path, tmp_path, progress=False)
    assert card["threshold"] == 0.42 and card["decision_name"] == "margin"
    assert card["training"] == before["training"] and card["parity"] == before["parity"]
    assert json.loads((tmp_path / "card.json").read_text(encoding="utf-8")) == card
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "threshold 0.42" in text and "| margin (shipped) | margin | 0.7 | 0.9 | 50.0 | 80.0 | 65.0 | 65.0 | 0.42 |" in text
    assert "| | validation (dev-validation) | seed article | real documents (tuning) | held out: dev-heldout |" in text
    assert "real documents' tuning set" in text
    assert [d["file"] for d in card["data"]["threshold"]] == [
        "gold/seed-article.jsonl", "gold/real-documents/tuning.jsonl", "bench/real_documents.json"]


def _one_markdown_document(monkeypatch, folder, name: str, split: str, text: str, questions: list) -> list:
    """``train.documents`` reading one Markdown file ``name`` of ``split`` (and a held-out one it must not fetch)
    with ``questions``; returns the gold files it read questions from."""
    from train import documents

    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    manifest = [SimpleNamespace(id=name, split=split), SimpleNamespace(id="other", split="heldout")]
    monkeypatch.setattr(documents, "load_manifest", lambda manifest_path: manifest)
    monkeypatch.setattr(documents, "fetch", lambda into, chosen: [path for _ in chosen])
    read = []
    monkeypatch.setattr(documents, "load_questions", lambda gold, split_name: read.append(gold) or questions)
    return read


def test_technical_questions_are_located_in_their_own_train_document(tmp_path, monkeypatch):
    from bench.real_documents import RealQuestion
    from train import documents as technical

    _one_markdown_document(monkeypatch, tmp_path, "demo-guide", "train",
                           "# Demo\n\nInstall it with `pip install demo` and set DEMO_HOME.\n", [
        RealQuestion("demo-guide-1", "demo-guide", "markdown", "How do I install it?", ["pip install demo"]),
        RealQuestion("demo-guide-2", "demo-guide", "markdown", "Which port?", []),
        RealQuestion("demo-guide-3", "demo-guide", "markdown", "Where?", ["not in the guide"]),
    ])
    corpus = technical.technical_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["demo-guide"]  # held-out documents are never fetched
    install, port = corpus.items  # an answer not in its document drops its question
    span = install.spans[0]
    assert corpus.documents[0].text[span.start:span.end] == "pip install demo" and install.article == "demo-guide"
    assert not port.answerable and port.id == "technical/demo-guide-2"


def test_the_threshold_reads_only_the_real_documents_tuning_set(tmp_path, monkeypatch):
    from bench.real_documents import RealQuestion
    from train import documents as real

    read = _one_markdown_document(monkeypatch, tmp_path, "policy", "tuning",
                                  "# Policy\n\nVisitors sign in at the front desk.\n", [
        RealQuestion("policy-1", "policy", "markdown", "Where do visitors sign in?", ["at the front desk"]),
        RealQuestion("policy-2", "policy", "markdown", "Who pays for parking?", [])])
    corpus = real.tuning_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["policy"] and read == [real.TUNING_GOLD_FILE]
    desk, parking = corpus.items
    assert desk.id == "real/policy-1" and desk.answers == ["at the front desk"] and desk.article == "policy"
    assert not parking.answerable


def test_the_model_card_tells_of_a_second_pass_when_there_was_one():
    from train.run import model_card_text

    card = json.loads((Settings().reader_model / "card.json").read_text(encoding="utf-8"))
    card["training"].pop("second_pass", None)
    card["training"]["minutes"] = 200.0
    assert "second pass" not in model_card_text(card) and "200 minutes on 2 CPU cores" in model_card_text(card)
    card["training"]["second_pass"] = {
        "sets": ["squad2-train", "dev-train"], "examples": {"answer": 6182, "unanswerable": 2775}, "features": 15603,
        "hyperparameters": {"epochs": 1, "learning_rate": 3e-05}, "steps": 488, "last_loss": 2.1,
        "fitting_minutes": 20.0}
    text = model_card_text(card)
    assert ("Then a second pass over the questions of `squad2-train`, `dev-train`, each on its own paragraph "
            "(6182 answer, 2775 unanswerable; 15603 slices)") in text and "488 steps" in text
    assert "220 minutes on 2 CPU cores" in text  # the whole run: the second pass's fitting counts too
