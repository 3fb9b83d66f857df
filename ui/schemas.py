"""The public JSON contract (pydantic), built from the domain types in one place: :func:`ask_response`.

``qa ask --json`` prints exactly what ``POST /ask`` returns.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index.documents import Document
from qa.pipeline import AskResult, Citation

EXAMPLE_QUESTION = "Who was indicted in 2020?"
REFUSAL = "The documents don't say."  # what every face tells a person when the answer is refused


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # "3" or true for top_k is a mistake to report, not to guess at
        json_schema_extra={
            "examples": [
                {"question": EXAMPLE_QUESTION},
                {
                    "question": "What did he say about military strikes?",
                    "history": [
                        {"role": "user", "content": "Who is the U.S. Defense Secretary?"},
                        {"role": "assistant", "content": "Pete Hegseth"},
                    ],
                },
            ]
        },
    )
    question: str = Field(description="A question about the documents (1-500 characters).")
    top_k: int | None = Field(None, ge=1, le=20, description="How many cited passages to return (default 3).")
    history: list[Message] = Field(default_factory=list, max_length=100, description="Earlier turns, oldest first.")


class AnswerOut(BaseModel):
    text: str = Field(description="Verbatim: documents[doc_id].text[start:end].")
    doc_id: str
    passage_id: str
    start: int
    end: int
    score: float = Field(description="How sure the reader is that this span answers the question, 0-1.")
    page: int | None = Field(None, description="The page of the source (a PDF) the answer is on, from 1.")
    section: str | None = Field(None, description="The heading path of the section the answer is in, if the source "
                                                  "has headings.")


class EvidenceOut(BaseModel):
    citation: int = Field(description="1-based citation number.")
    doc_id: str
    doc_title: str
    passage_id: str
    text: str
    start: int
    end: int
    score: float = Field(description="The retrieval score (reciprocal-rank fusion of BM25 and dense search).")
    page: int | None = Field(None, description="The page of the source (a PDF) the passage starts on, from 1.")
    section: str | None = Field(None, description="The heading path of the section the passage is in.")


class AskResponse(BaseModel):
    question: str
    answer: AnswerOut | None
    abstained: bool
    no_answer_score: float = Field(description="0 = surely answered; abstains above the calibrated threshold.")
    message: str = Field(description="What a person would be told.")
    read_as: str | None = Field(None, description="The question as it was read in its conversation, when it referred "
                                                   "back to an earlier turn (\"What did he say?\" read \"What did "
                                                   "Pete Hegseth say?\"); null when it stands on its own.")
    evidence: list[EvidenceOut] = Field(
        description="Cited passages: the answer's first, then the other passages the reader read, by its best span "
                    "in each, then the rest by retrieval score."
    )
    index_version: int = Field(0, description="The version of the documents it was answered from (it grows by one "
                                              "with every document added or removed).")
    timings_ms: dict[str, float]


class SearchResponse(BaseModel):
    query: str
    results: list[EvidenceOut]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    documents: int
    passages: int
    model: str
    reader: str
    index_kind: str = Field(
        description='"flat" (exact search) or, for large corpora, "pq-refine" (product-quantised search whose best '
        "candidates are re-scored exactly)"
    )
    index_version: int = Field(0, description="The version of the documents this server answers from.")


class PageOut(BaseModel):
    number: int
    start: int
    end: int


class SectionOut(BaseModel):
    title: str = Field(description="Its heading after the headings it sits under, joined by ' › '.")
    start: int
    end: int


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    source: str = Field(description="The file it was read from, in the seeds folder.")
    format: Literal["text", "markdown", "html", "pdf", "docx"]
    url: str = Field(description="An HTML page's canonical address, or empty.")
    characters: int


class DocumentOut(DocumentSummary):
    text: str = Field(description="The extracted text every offset points into: text[start:end] is a cited span.")
    pages: list[PageOut] = Field(description="Where each page of a PDF lies in the text.")
    sections: list[SectionOut] = Field(description="Where each section under a heading lies in the text.")
    metadata: dict[str, str] = Field(default_factory=dict,
                                     description="What the file declares about itself (a Markdown file's front matter).")


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class ErrorResponse(BaseModel):
    detail: str


def document_summary(document: Document) -> DocumentSummary:
    return DocumentSummary(doc_id=document.doc_id, title=document.title, source=document.source,
                           format=document.format, url=document.url, characters=len(document.text))


def document_out(document: Document) -> DocumentOut:
    return DocumentOut(
        **document_summary(document).model_dump(), text=document.text,
        pages=[PageOut(number=p.number, start=p.start, end=p.end) for p in document.pages],
        sections=[SectionOut(title=s.title, start=s.start, end=s.end) for s in document.sections],
        metadata=dict(document.metadata),
    )


def evidence_out(citations: list[Citation]) -> list[EvidenceOut]:
    """The citations, numbered from 1."""
    return [
        EvidenceOut(
            citation=number, doc_id=c.passage.doc_id, doc_title=c.doc_title, passage_id=c.passage.passage_id,
            text=c.passage.text, start=c.passage.start, end=c.passage.end, score=c.hit.score, page=c.page,
            section=c.section,
        )
        for number, c in enumerate(citations, start=1)
    ]


def ask_response(result: AskResult) -> AskResponse:
    """The JSON document of an answer."""
    answer = result.answer
    message = f"{REFUSAL} I found no passage that answers this question." if answer is None else f"{answer.text} [1]"
    return AskResponse(
        question=result.question,
        answer=None
        if answer is None
        else AnswerOut(
            text=answer.text, doc_id=answer.doc_id, passage_id=answer.passage_id, start=answer.start,
            end=answer.end, score=answer.score, page=result.answer_page, section=result.answer_section,
        ),
        abstained=result.abstained,
        no_answer_score=result.no_answer_score,
        message=message,
        read_as=result.read_as,
        evidence=evidence_out(result.citations),
        index_version=result.index_version,
        timings_ms=result.timings_ms,
    )
