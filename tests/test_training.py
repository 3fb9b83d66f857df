"""Training the reader: a few real steps on a tiny slice lower the loss; the shipped ONNX reader gives the spans the
training framework gave; labels land on the answer's tokens; perturbed questions are really changed."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from qa.reader import ReaderConfig, SpanModel, encode_pairs
from qa.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tokenizer():
    from index.encoder import BUNDLED_MODEL, resolve_model
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


def test_with_the_null_a_question_without_an_answer_is_scored_together_for_its_cls_tokens(tokenizer):
    from train.fit import shared_loss

    answered, start, end = _one_question_on_two_passages(tokenizer, "Who was indicted?", (0, 6))
    start[0, answered[0].first] = end[0, answered[0].last] = 10.0
    start[1, 0] = end[1, 0] = 20.0  # with an answer, [CLS] is not among the shared candidates
    assert float(shared_loss(answered, start, end, with_null=True)) == float(shared_loss(answered, start, end)) < 0.01

    unanswerable, start, end = _one_question_on_two_passages(tokenizer, "Who was pardoned?", None)
    start[1, 0] = end[1, 0] = 10.0  # one [CLS] leads: the target
    assert float(shared_loss(unanswerable, start, end, with_null=True)) < 0.01
    start[0, 1:7] = end[0, 1:7] = 99.0  # the question's tokens are not candidates
    assert float(shared_loss(unanswerable, start, end, with_null=True)) < 0.01
    maduro = next(i for i, offset in enumerate(unanswerable[0].slice.offsets) if offset is not None)
    start[0, maduro] = end[0, maduro] = 20.0  # a span in the other passage leads: a large loss
    assert float(shared_loss(unanswerable, start, end, with_null=True)) > 9.0
    assert float(shared_loss(unanswerable, start, end)) == 0.0


def test_with_the_null_everywhere_an_answered_questions_cls_tokens_compete_with_its_answer(tokenizer):
    from train.fit import shared_loss

    answered, start, end = _one_question_on_two_passages(tokenizer, "Who was indicted?", (0, 6))
    start[0, answered[0].first] = end[0, answered[0].last] = 10.0
    assert float(shared_loss(answered, start, end, with_null=True, null_everywhere=True)) < 0.01
    start[1, 0] = end[1, 0] = 20.0  # the other passage's [CLS] leads: a candidate, never the target here
    assert float(shared_loss(answered, start, end, with_null=True, null_everywhere=True)) > 9.0
    assert float(shared_loss(answered, start, end, with_null=True)) < 0.01

    unanswerable, start, end = _one_question_on_two_passages(tokenizer, "Who was pardoned?", None)
    start[1, 0] = end[1, 0] = 10.0  # where no passage answers, the [CLS] tokens stay the target
    assert float(shared_loss(unanswerable, start, end, with_null=True, null_everywhere=True)) < 0.01


def test_a_few_steps_on_a_tiny_slice_lower_the_loss(tokenizer):
    from index.encoder import BUNDLED_MODEL, resolve_model
    from train.examples import Example
    from train.fit import Hyperparameters, features, fit

    text = "Pete Hegseth is the U.S. Defense Secretary. The reward for Maduro's arrest is $50 million."
    examples = [
        Example("Who is the Defense Secretary?", text, (0, 12), "answer", "a"),
        Example("How much is the reward?", text, (text.index("$50"), len(text) - 1), "answer", "b"),
        Example("Who won the election?", text, None, "retrieved", "c"),
        Example("What is the capital of France?", text, None, "retrieved", "d"),
    ]
    losses = []
    settings = Hyperparameters(epochs=12, batch_size=4, learning_rate=3e-4, warmup_share=0.0, seed=1)
    fit(Path(resolve_model(BUNDLED_MODEL)), features(examples, tokenizer, ReaderConfig()),
        settings, progress=False, on_step=lambda _, loss: losses.append(loss))
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < 0.5 * sum(losses[:3]) / 3


def test_an_interrupted_run_resumes_from_its_checkpoint_as_if_never_stopped(tokenizer, tmp_path):
    import torch

    from index.encoder import BUNDLED_MODEL, resolve_model
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
    other = Hyperparameters(epochs=3, batch_size=1, learning_rate=1e-4, seed=1)
    steps.clear()
    fit(base, labelled, other, progress=False, checkpoint=checkpoint, on_step=lambda s, _: steps.append(s))
    assert steps == [1, 2, 3, 4, 5, 6]  # another run's checkpoint is not resumed


def test_the_weight_average_is_the_mean_of_the_weights_it_saw():
    import torch

    from train.fit import WeightAverage

    layer, average = torch.nn.Linear(2, 1), WeightAverage()
    for value in (1.0, 2.0, 6.0):
        torch.nn.init.constant_(layer.weight, value)
        torch.nn.init.constant_(layer.bias, -value)
        average.add(layer)
    average.load_into(layer)
    assert layer.weight.tolist() == [[3.0, 3.0]] and layer.bias.tolist() == [-3.0]


def test_weights_are_averaged_over_the_last_share_of_the_steps(tokenizer, monkeypatch):
    from index.encoder import BUNDLED_MODEL, resolve_model
    from train import fit as fitting
    from train.examples import Example

    text = "Pete Hegseth is the U.S. Defense Secretary."
    examples = [Example("Who is the Defense Secretary?", text, (0, 12), "answer", "a")]
    seen, loaded = [], []
    monkeypatch.setattr(fitting.WeightAverage, "add", lambda self, model: (seen.append(1), setattr(self, "count", len(seen))))
    monkeypatch.setattr(fitting.WeightAverage, "load_into", lambda self, model: loaded.append(self.count))
    settings = fitting.Hyperparameters(epochs=8, batch_size=1, seed=1, average_share=0.25)
    fitting.fit(Path(resolve_model(BUNDLED_MODEL)),
                fitting.features(examples, tokenizer, ReaderConfig()), settings, progress=False)
    assert len(seen) == 2 and loaded == [2]  # steps 7 and 8 of 8


def test_the_shipped_reader_gives_the_training_frameworks_spans():
    """``parity.json`` holds the spans the torch model gave when it was trained (``[start, end, answered]`` in
    each text). The shipped int8 copy gives most of the same spans, about as many as recorded: int8 weights move
    close calls (and ONNX Runtime's int8 kernels differ by CPU: AVX2 or AVX-512 VNNI), a broken export moves nearly
    all of them."""
    from train.reader import PARITY_FILE, _best

    folder = Settings().reader_model
    parity = json.loads((folder / PARITY_FILE).read_text(encoding="utf-8"))
    model = SpanModel(folder)
    same = [_best(*model.read(r["question"], [r["text"]]), model.config) == r["span"] for r in parity["spans"]]
    assert len(same) >= 20
    assert sum(same) >= 0.7 * len(same)
    assert abs(sum(same) - parity["agreeing"]) <= 0.1 * len(same)


def test_the_model_card_names_its_data_and_figures():
    from train.reader import _described

    card = json.loads((Settings().reader_model / "card.json").read_text(encoding="utf-8"))
    for described in card["data"]["training"]:
        assert _described(ROOT / described["file"]) == described  # the hash of the data it was trained on
    assert card["data"]["validation"]["file"] == "data/squad2/validation.json"
    assert card["heldout"]["all"]["total"] == 851
    assert card["threshold"] == Settings().no_answer_threshold


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


def test_written_unanswerable_questions_point_at_the_span_they_tempt(tmp_path):
    from index.documents import Document
    from train.examples import WRITTEN_REPEAT, TrainingSet, _repeats, written_unanswerable

    article = Document("bond", "Spectre", "Spectre\n\nSpectre is the twenty-fourth James Bond film.")
    record = {"article": "Spectre", "question": "What is the thirty-fourth Bond film?",
              "evidence": "Spectre is the twenty-fourth", "plausible": "Spectre"}
    path = tmp_path / "written.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (item,) = written_unanswerable(path, [article])
    (span,) = item.plausible
    assert not item.answerable and article.text[span.start : span.end] == "Spectre" and span.start > 7
    assert _repeats(item, TrainingSet([article], [item], written=frozenset([item.id]))) == WRITTEN_REPEAT
    for wrong in ({"evidence": "Spectre"}, {"plausible": "Bond"}, {"article": "Skyfall"}):
        path.write_text(json.dumps(record | wrong) + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match="line 1"):
            written_unanswerable(path, [article])


def test_the_written_unanswerable_questions_fit_their_articles():
    from train.examples import training_set
    from train.reader import SEED_GOLD_FILES, TRAIN_FILES, WRITTEN_FILES

    training = training_set(TRAIN_FILES, ROOT / "seeds", SEED_GOLD_FILES, WRITTEN_FILES)
    written = [item for item in training.items if item.id in training.written]
    assert len(written) >= 200 and all(not item.answerable and item.plausible for item in written)
    assert len({item.question for item in written}) == len(written)


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


def test_the_no_answer_score_is_calibrated_on_the_margin(tmp_path):
    from types import SimpleNamespace

    from qa.reader import Calibration, ReaderConfig
    from train.reader import calibrate

    rng = random.Random(0)
    results = []
    for number in range(200):
        answerable = number % 2 == 0
        answer = SimpleNamespace(margin=rng.gauss(4.0 if answerable else -2.0, 2.0))
        results.append(SimpleNamespace(item=SimpleNamespace(id=str(number), answerable=answerable),
                                       response=SimpleNamespace(reader_answer=answer)))
    calibration = calibrate(results)
    assert calibration.slope > 0
    assert calibration.no_answer(6.0) < 0.1 < 0.9 < calibration.no_answer(-5.0)
    path = tmp_path / "reader.json"
    path.write_text(json.dumps(ReaderConfig(calibration=calibration).saved()), encoding="utf-8")
    assert ReaderConfig.read(path).calibration == calibration
    assert ReaderConfig.read(path) != ReaderConfig(calibration=Calibration())


def test_measuring_again_rewrites_the_card_without_training(tmp_path, monkeypatch):
    """``qa train --measure-only``: the card's figures and threshold are replaced, the rest is kept."""
    import shutil

    import train.reader as training

    shipped = Settings().reader_model
    for name in ("card.json", "reader.json"):
        shutil.copy(shipped / name, tmp_path / name)
    before = json.loads((tmp_path / "card.json").read_text(encoding="utf-8"))
    figures = {key: before["validation"]["all"][key] for key in before["validation"]["all"]}
    measured = (0.42, {"file": "v.json", "all": figures}, {"file": "s.jsonl", "floor": 0.4, "all": figures},
                {"file": "h.json", "all": figures}, {"file": "f.json", "all": figures})
    monkeypatch.setattr(training, "_measure", lambda out, progress: measured)
    card = training.measure_reader(tmp_path, progress=False)
    assert card["threshold"] == 0.42 and card["seed"]["floor"] == 0.4
    assert card["training"] == before["training"] and card["parity"] == before["parity"]
    assert json.loads((tmp_path / "card.json").read_text(encoding="utf-8")) == card
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "The threshold, 0.42," in text
    assert "| | validation | seed article | held out (SQuAD 2.0) | held out (SQuAD v1.1, fresh) |" in text
