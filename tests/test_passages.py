"""The sentence splitter: the seed article's traps, the offset invariant, and no character lost (properties)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.documents import Document, load_documents
from index.passages import split_passages, split_sentences
from tests.conftest import SEEDS


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_every_passage_of_every_seed_is_a_verbatim_slice():
    for document in load_documents(SEEDS):
        passages = split_passages(document)
        assert len(passages) > 5
        for passage in passages:
            assert document.text[passage.start : passage.end] == passage.text


def test_glued_period_before_a_capital_ends_a_sentence():
    assert sentences("covert operations by the CIA.A senior official spoke.") == [
        "covert operations by the CIA.",
        "A senior official spoke.",
    ]


def test_dotted_abbreviation_mid_sentence_does_not_split():
    text = "according to U.S. Defense Secretary Pete Hegseth, it works. The U.S. is here."
    assert sentences(text) == ["according to U.S. Defense Secretary Pete Hegseth, it works.", "The U.S. is here."]


def test_abbreviation_glued_to_a_lowercase_word_does_not_split():
    text = "both designated as foreign terrorist organizations by the U.S.in February."
    assert sentences(text) == [text]


def test_sentence_ending_in_an_abbreviation_before_another_one_splits():
    text = "to facilitate narcotics trafficking to the U.S. U.S. authorities also allege it."
    assert sentences(text) == ["to facilitate narcotics trafficking to the U.S.", "U.S. authorities also allege it."]


def test_sentence_ending_inside_curly_quotes_keeps_the_quote():
    text = "Maduro’s rule is “not lasting.” This official also reported it."
    assert sentences(text) == ["Maduro’s rule is “not lasting.”", "This official also reported it."]


def test_titles_and_initials_do_not_split():
    assert len(sentences("Mr. Smith met Dr. Jones and J. Doe on Jan. 5 in St. Louis.")) == 1


def test_line_breaks_end_sentences_and_headline_is_its_own_passage():
    text = "A Headline Without a Period\nThe first sentence. The second one!"
    assert sentences(text) == ["A Headline Without a Period", "The first sentence.", "The second one!"]


def test_run_on_text_is_cut_into_bounded_passages():
    text = ", ".join(["word"] * 800)
    pieces = split_sentences(text)
    assert len(pieces) > 1 and all(end - start <= 1000 for start, end in pieces)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=600))
def test_splitter_never_loses_or_duplicates_characters(text):
    document = Document("doc", "title", text)
    passages = split_passages(document)
    position = 0
    for passage in passages:
        assert document.text[passage.start : passage.end] == passage.text
        assert passage.start >= position, "passages overlap or are out of order"
        assert text[position : passage.start].strip() == "", "non-space text fell between passages"
        assert passage.text == passage.text.strip() and passage.text
        position = passage.end
    assert text[position:].strip() == ""


def test_megabyte_line_splits_in_linear_time_without_recursion():
    import time

    text = ("a" * 50 + ". ") * 20_000 + "The end. " + "word, " * 50_000
    started = time.perf_counter()
    pieces = split_sentences(text)
    assert time.perf_counter() - started < 10  # quadratic scanning took minutes on texts like this
    assert all(0 < end - start <= 1000 for start, end in pieces)
    covered = "".join(text[start:end] for start, end in pieces)
    assert covered.replace(" ", "") == text.replace(" ", "")


def test_sentences_are_joined_into_passages_within_a_paragraph_and_a_length():
    from index.passages import PASSAGE_CHARS

    first = "One short sentence. " * 20
    text = f"Title\n{first.strip()}\nA new paragraph starts here. It goes on.\n" + "x" * (PASSAGE_CHARS + 50) + "."
    passages = split_passages(Document("doc", "Title", text))
    assert passages[0].text == "Title"  # a line of its own
    for passage in passages:
        assert text[passage.start : passage.end] == passage.text
        assert "\n" not in passage.text  # never across a paragraph
        assert len(passage.text) <= PASSAGE_CHARS or len(split_sentences(passage.text)) == 1
    assert any(p.text == "A new paragraph starts here. It goes on." for p in passages)
    assert sum(p.text.count("One short sentence.") for p in passages) == 20
    assert len([p for p in passages if "One short" in p.text]) == 1 + len(first) // PASSAGE_CHARS


def test_a_heading_is_the_context_of_the_passages_under_it_not_a_passage():
    from index.documents import read_document
    from tests import sample_files

    document = read_document("club.md", sample_files.MARKDOWN.encode())
    passages = split_passages(document)
    assert not {"Meetings", "Plots", "Watering", "Garden Club Handbook"} & {p.text for p in passages}
    tank = next(p for p in passages if "2,000 litres" in p.text)
    assert tank.heading == "Garden Club Handbook › Watering"
    assert tank.search_text == f"Garden Club Handbook › Watering: {tank.text}"
    for passage in passages:
        assert document.text[passage.start : passage.end] == passage.text
