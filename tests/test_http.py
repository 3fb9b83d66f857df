"""The JSON endpoint's contract in process, with a stand-in pipeline (FastAPI's TestClient, no server, no model):
every bad input gets a 4xx with a sentence, unknown documents 404, CORS only when configured, document changes
only with the token. The same app against the real pipeline and uvicorn: test_api.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from index.documents import Document
from index.passages import Passage
from qa.pipeline import AskResult, Citation
from qa.question import checked_question
from qa.reader import Answer
from qa.retrieve import Hit
from qa.settings import Settings
from ui.app import create_app, get_pipeline

TEXT = "Seed\n\nMaduro was indicted in 2020."
DOCUMENT = Document("seed", "Seed", TEXT, source="seed.txt")
PASSAGE = Passage("seed", "seed#1", 6, len(TEXT), TEXT[6:])
TOKEN = "a-long-enough-administrator-token"


class StandInPipeline:
    """Answers every question with the one passage; checks questions as the real pipeline does."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.documents = {"seed": DOCUMENT}
        self.asked: list[str] = []

    def check_question(self, question: object) -> str:
        return checked_question(question, self.settings.max_question_chars)

    def cached(self, question, *, history=None, top_k=None):
        self.check_question(question)
        return None

    def ask(self, question, *, history=None, top_k=None) -> AskResult:
        self.asked.append(self.check_question(question))
        start = TEXT.index("Maduro")
        answer = Answer("Maduro", "seed", "seed#1", start, start + 6, 0.9, 0.1)
        citation = Citation(Hit(PASSAGE, 0.5, 0.5, 1.0, 1, 1), "Seed")
        return AskResult(question, answer, False, 0.1, [citation], question, answer)

    def document(self, doc_id: str) -> Document:
        from qa.errors import DocumentNotFound

        if doc_id not in self.documents:
            raise DocumentNotFound(f"No document has the id {doc_id!r}.")
        return self.documents[doc_id]


def client(**settings) -> TestClient:
    configured = Settings(**settings)
    app = create_app(configured, chat=False)
    app.dependency_overrides[get_pipeline] = lambda: StandInPipeline(configured)
    return TestClient(app)


@pytest.fixture(scope="module")
def http():
    with client() as test_client:
        yield test_client


def test_an_answer_is_the_contract(http):
    payload = http.post("/ask", json={"question": "Who was indicted?"}).json()
    assert payload["answer"]["text"] == TEXT[payload["answer"]["start"] : payload["answer"]["end"]] == "Maduro"
    assert payload["evidence"][0] | {"citation": 1, "doc_title": "Seed", "text": PASSAGE.text} == payload["evidence"][0]


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"question": ""}, 400, "The question is empty"),
        ({"question": " \n\t "}, 400, "The question is empty"),
        ({"question": "why " * 200}, 400, "the limit is 500"),
        ({"question": 42}, 422, "question: Input should be a valid string"),
        ({"question": None}, 422, "question: Input should be a valid string"),
        ({}, 422, "question: Field required"),
        ({"question": "Who?", "top_k": 0}, 422, "top_k: Input should be greater than or equal to 1"),
        ({"question": "Who?", "top_k": 500}, 422, "top_k: Input should be less than or equal to 20"),
        ({"question": "Who?", "top_k": "3"}, 422, "top_k: Input should be a valid integer"),
        ({"question": "Who?", "top_k": True}, 422, "top_k: Input should be a valid integer"),
        ({"question": "\u200b\u200b\u00a0\ufeff"}, 400, "The question is empty"),
        ({"question": "Who?", "history": [{"role": "system", "content": "x"}]}, 422, "history.0.role"),
        ({"question": "Who?", "unknown": 1}, 422, "unknown: Extra inputs are not permitted"),
        (["not", "an", "object"], 422, "Input should be a valid dictionary"),
    ],
)
def test_bad_input_gets_a_clear_4xx(http, body, status, message):
    response = http.post("/ask", json=body)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert "Traceback" not in response.text and "/work" not in response.text


def test_malformed_json_and_huge_body(http):
    response = http.post("/ask", content=b'{"question": "Who', headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"] == "The request body is not valid JSON."
    huge = http.post("/ask", content=b"x" * 200_000, headers={"content-type": "application/json"})
    assert huge.status_code == 413 and "over" in huge.json()["detail"]
    lone = http.post("/ask", content=b'{"question": "\\ud800 who?"}', headers={"content-type": "application/json"})
    assert lone.status_code == 400 and "surrogate" in lone.json()["detail"]


@pytest.mark.parametrize("doc_id", ["nope", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "seed.txt"])
def test_unknown_document_is_404_and_never_reads_files(http, doc_id):
    response = http.get(f"/documents/{doc_id}")
    assert response.status_code == 404
    assert "root:" not in response.text


def test_cors_is_off_by_default_and_on_for_the_configured_origins(http):
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in http.options("/ask", headers=preflight).headers
    answered = http.post("/ask", json={"question": "Who?"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answered.headers
    with client(cors_origins=["https://app.example"]) as allowed:
        headers = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
        assert allowed.options("/ask", headers=headers).headers["access-control-allow-origin"] == "https://app.example"
        assert "access-control-allow-origin" not in allowed.options("/ask", headers=preflight).headers


def test_document_changes_need_the_token_and_are_off_without_one(http):
    assert http.delete("/documents/seed").status_code == 403
    assert http.post("/admin/session").status_code == 403
    with client(admin_token=TOKEN) as guarded:
        for headers in ({}, {"Authorization": "Bearer wrong-token-of-some-length"}, {"Authorization": TOKEN}):
            refused = guarded.delete("/documents/seed", headers=headers)
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        session = guarded.post("/admin/session", headers={"Authorization": f"Bearer {TOKEN}"})
        assert session.status_code == 204
        cookie = session.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/ui" in cookie and "SameSite=strict" in cookie
    with client(admin_token=TOKEN, serve_workers=2) as several:
        assert several.delete("/documents/seed", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403


def test_every_response_carries_the_security_headers(http):
    for response in (http.get("/documents/seed"), http.get("/docs"), http.post("/ask", json={})):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in response.headers["content-security-policy"]
    with client(api_docs=False) as quiet:
        assert quiet.get("/docs").status_code == 404 and quiet.get("/openapi.json").status_code == 404
