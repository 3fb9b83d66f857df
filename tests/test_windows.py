"""Window examples from SQuAD v1.1's articles: the answer's window holds it in whole sentences of its paragraph,
within the window's length; the retrieved negative holds no answer and does not overlap it."""

from __future__ import annotations

from index.documents import Document
from qa.gold import PARAGRAPH_SEPARATOR, GoldItem, GoldSpan
from train.windows import _best_negative, _Ranking, answer_window, negative_windows, paragraph_sentences

PARAGRAPHS = [
    "Alaska was bought from Russia in 1867. The price was 7.2 million dollars. Critics called it Seward's Folly. "
    "Gold was found in the Klondike in 1896.",
    "Juneau is the capital of Alaska. Anchorage is its largest city. The state has the most coastline.",
]
TEXT = "Alaska" + PARAGRAPH_SEPARATOR + PARAGRAPH_SEPARATOR.join(PARAGRAPHS)
DOCUMENT = Document("alaska", "Alaska", TEXT)


def _item(question: str, answer: str) -> GoldItem:
    start = TEXT.index(answer)
    return GoldItem("q", question, [answer], spans=(GoldSpan("alaska", start, start + len(answer), answer),))


def test_paragraphs_are_split_into_sentences_with_document_offsets():
    paragraphs = paragraph_sentences(DOCUMENT)
    assert len(paragraphs) == 2
    assert TEXT[slice(*paragraphs[0][1])] == "The price was 7.2 million dollars."
    assert TEXT[slice(*paragraphs[1][0])] == "Juneau is the capital of Alaska."


def test_the_answer_window_holds_the_answer_in_whole_sentences_of_its_paragraph():
    paragraphs = paragraph_sentences(DOCUMENT)
    item = _item("How much did Alaska cost?", "7.2 million dollars")
    tight = answer_window(item, paragraphs, 10)
    assert TEXT[tight.start : tight.end] == "The price was 7.2 million dollars."
    wider = answer_window(item, paragraphs, 80)  # the sentence before comes first
    assert TEXT[wider.start : wider.end] == "Alaska was bought from Russia in 1867. The price was 7.2 million dollars."
    whole = answer_window(item, paragraphs, 10_000)
    assert TEXT[whole.start : whole.end] == PARAGRAPHS[0]  # never into the next paragraph
    for window in (tight, wider, whole):
        assert window.start <= item.spans[0].start and item.spans[0].end <= window.end


def test_the_retrieved_negative_holds_no_answer_and_does_not_overlap_the_answer():
    paragraphs = paragraph_sentences(DOCUMENT)
    candidates = negative_windows(DOCUMENT, paragraphs)
    ranking = _Ranking([TEXT[w.start : w.end] for w in candidates])
    item = _item("What is the capital of Alaska?", "Juneau")
    window = answer_window(item, paragraphs, 40)
    negative = _best_negative(item, window, candidates, ranking, DOCUMENT)
    assert negative is not None
    text = TEXT[negative.start : negative.end]
    assert "Juneau" not in text and (negative.end <= window.start or negative.start >= window.end)
    assert "Alaska" in text  # ranked by the question's words, not drawn at random
