"""The public JSON contract (pydantic), built from the domain types in one place: :func:`ask_response`.

``qa ask --json`` prints exactly what ``POST /ask`` returns.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index.documents import Document
from qa.pipeline import Response
from qa.retrieve import Hit

EXAMPLE_QUESTION = "Who was indicted in 2020?"


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
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


class EvidenceOut(BaseModel):
    citation: int = Field(description="1-based citation number.")
    doc_id: str
    doc_title: str
    passage_id: str
    text: str
    start: int
    end: int
    score: float = Field(description="The retrieval score (reciprocal-rank fusion of BM25 and dense search).")


class AskResponse(BaseModel):
    question: str
    answer: AnswerOut | None
    abstained: bool
    no_answer_score: float = Field(description="0 = surely answered; abstains above the calibrated threshold.")
    message: str = Field(description="What a person would be told.")
    evidence: list[EvidenceOut] = Field(
        description="Cited passages: the answer's first, then the other passages the reader read, by its best span "
                    "in each, then the rest by retrieval score."
    )
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


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    text: str


class ErrorResponse(BaseModel):
    detail: str


def evidence_out(hits: list[Hit], documents: dict[str, Document]) -> list[EvidenceOut]:
    return [
        EvidenceOut(
            citation=number,
            doc_id=hit.passage.doc_id,
            doc_title=documents[hit.passage.doc_id].title,
            passage_id=hit.passage.passage_id,
            text=hit.passage.text,
            start=hit.passage.start,
            end=hit.passage.end,
            score=hit.score,
        )
        for number, hit in enumerate(hits, start=1)
    ]


def ask_response(response: Response, documents: dict[str, Document]) -> AskResponse:
    answer = response.answer
    if answer is None:
        message = "The documents don't say. I found no passage that answers this question."
    else:
        message = f"{answer.text} [1]"
    return AskResponse(
        question=response.question,
        answer=None
        if answer is None
        else AnswerOut(
            text=answer.text, doc_id=answer.doc_id, passage_id=answer.passage_id, start=answer.start,
            end=answer.end, score=answer.score,
        ),
        abstained=response.abstained,
        no_answer_score=response.no_answer_score,
        message=message,
        evidence=evidence_out(response.evidence, documents),
        timings_ms=response.timings_ms,
    )
