"""Documents added and removed at run time, through a real uvicorn process: every format answered verbatim with
its page or section, bad files refused with a sentence naming them, the token required, nothing lost, the change
kept over a restart, and no error under concurrent questions."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from tests import sample_files
from tests.conftest import ADMIN_ENVIRONMENT, ADMIN_TOKEN, SEED_ID, UPLOAD_LIMIT, start_server, stop_server

pytestmark = [pytest.mark.integration, pytest.mark.server]

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
FILES = {
    "harbour-report.pdf": (sample_files.pdf_bytes, "How much cargo did the harbour handle in 2025?", "4.2 million"),
    # "How much did the bridge repairs cost?" sits at the threshold for every reader so far (no-answer 0.578 and
    # 0.628 against 0.589 and 0.615): a question that names the bridge tests the reading, not the threshold
    "bridge.html": (lambda: sample_files.NEWS_HTML.encode(), "How much did the repairs to the Old Mill Bridge cost?",
                    "3.5 million pounds"),
    "lease.docx": (sample_files.docx_bytes, "What is the monthly rent?", "1,250 dollars"),
    "garden-club.md": (lambda: sample_files.MARKDOWN.encode(), "How much does the water tank hold?", "2,000 litres"),
}


def _upload(url: str, name: str, data: bytes, headers: dict | None = AUTH) -> httpx.Response:
    return httpx.post(url + "/documents", files={"file": (name, data)}, headers=headers, timeout=120)


def _verbatim(url: str, answer: dict) -> str:
    text = httpx.get(f"{url}/documents/{answer['doc_id']}", timeout=30).json()["text"]
    return text[answer["start"] : answer["end"]]


def test_every_format_is_added_and_answered_verbatim_with_its_page_or_section(admin):
    base, url, _ = admin
    for name, (make, _, _) in FILES.items():
        response = _upload(url, name, make())
        assert response.status_code == 201, response.text
        assert (base / "seeds" / name).is_file()
    listed = {d["doc_id"]: d for d in httpx.get(url + "/documents", timeout=30).json()["documents"]}
    assert {"harbour-report", "bridge", "lease", "garden-club", SEED_ID} <= set(listed)
    assert listed["bridge"]["url"] == "https://courier.example.org/2026/05/bridge-reopens"
    assert listed["harbour-report"]["format"] == "pdf"
    located = {}
    for name, (_, question, expected) in FILES.items():
        body = httpx.post(url + "/ask", json={"question": question}, timeout=60).json()
        answer = body["answer"]
        assert answer is not None and expected in answer["text"], (question, body)
        assert _verbatim(url, answer) == answer["text"]
        located[name] = (answer["page"], answer["section"], body["evidence"][0]["page"])
    assert located["harbour-report.pdf"] == (1, None, 1)
    assert located["lease.docx"][1] == "Lease Agreement › Rent"
    assert located["garden-club.md"][1] == "Garden Club Handbook › Watering"
    assert located["bridge.html"][1] == "Bridge reopens after repairs"
    document = httpx.get(url + "/documents/harbour-report", timeout=30).json()
    assert [p["number"] for p in document["pages"]] == [1, 2, 3] and document["source"] == "harbour-report.pdf"


@pytest.mark.parametrize(
    ("name", "make", "status", "reason"),
    [
        ("scan.pdf", sample_files.scanned_pdf_bytes, 400, "no text layer"),
        ("secret.pdf", sample_files.encrypted_pdf_bytes, 400, "encrypted PDF"),
        ("cut.pdf", lambda: sample_files.pdf_bytes()[:700], 400, "damaged or truncated"),
        ("bomb.docx", sample_files.zip_bomb_bytes, 400, "zip bomb"),
        ("tool.exe", lambda: b"MZ\x90\x00", 400, "not a supported type"),
        ("again.md", lambda: sample_files.MARKDOWN.encode(), 409, "same text as the loaded document"),
        ("../../escape.txt", lambda: b"Escape\n\nThis file tried to leave the seeds folder.\n", 201, ""),
    ],
)
def test_bad_files_get_a_4xx_naming_them_and_lose_nothing(admin, name, make, status, reason):
    base, url, _ = admin
    if status == 409:
        _upload(url, "garden-club.md", sample_files.MARKDOWN.encode())  # loaded already, or now
    response = _upload(url, name, make())
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["source"] == "escape.txt" and (base / "seeds" / "escape.txt").is_file()
        assert not (base.parent / "escape.txt").exists() and not (base / "escape.txt").exists()
    else:
        detail = response.json()["detail"]
        assert reason in detail and name.rsplit("/", 1)[-1] in detail, detail
        assert not (base / "seeds" / name).exists()
    seed = httpx.post(url + "/ask", json={"question": "How much is the reward for Maduro's arrest?"}, timeout=60)
    assert seed.json()["answer"]["text"] == "$50 million"


def test_a_file_over_the_upload_limit_is_413_and_says_the_limit(admin):
    _, url, _ = admin
    response = _upload(url, "huge.txt", b"x" * (UPLOAD_LIMIT + 100 * 1024))
    assert response.status_code == 413 and "bytes" in response.json()["detail"]
    just_over = _upload(url, "big.txt", b"x" * (UPLOAD_LIMIT + 1))  # within the body's room for multipart headers
    assert just_over.status_code == 413
    assert just_over.json()["detail"] == f"'big.txt' is {UPLOAD_LIMIT + 1:,} bytes ({(UPLOAD_LIMIT + 1) / 2**20:.1f} " \
                                         f"MiB); the limit is {UPLOAD_LIMIT:,} bytes ({UPLOAD_LIMIT / 2**20:.1f} MiB)."


def test_adding_and_removing_need_the_token(admin, server):
    _, url, _ = admin
    assert _upload(server, "a.txt", b"A\n\nText.\n").status_code == 403  # uploads off: no token configured
    assert "QA_ADMIN_TOKEN" in _upload(server, "a.txt", b"A\n\nText.\n").json()["detail"]
    assert httpx.delete(f"{server}/documents/{SEED_ID}", headers=AUTH, timeout=30).status_code == 403
    for headers in (None, {"Authorization": "Bearer wrong-token-of-some-length"}, {"Authorization": ADMIN_TOKEN}):
        refused = _upload(url, "a.txt", b"A\n\nText.\n", headers=headers)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert httpx.delete(f"{url}/documents/{SEED_ID}", headers=headers, timeout=30).status_code == 401
    assert SEED_ID in {d["doc_id"] for d in httpx.get(url + "/documents", timeout=30).json()["documents"]}


def test_a_removed_document_is_no_longer_answered_and_its_file_is_gone(admin):
    base, url, _ = admin
    _upload(url, "lease.docx", sample_files.docx_bytes())
    response = httpx.delete(url + "/documents/lease", headers=AUTH, timeout=60)
    assert response.status_code == 200 and response.json()["source"] == "lease.docx"
    assert not (base / "seeds" / "lease.docx").exists()
    assert httpx.get(url + "/documents/lease", timeout=30).status_code == 404
    body = httpx.post(url + "/ask", json={"question": "What is the monthly rent?"}, timeout=60).json()
    assert body["answer"] is None or body["answer"]["doc_id"] != "lease"
    assert httpx.delete(url + "/documents/lease", headers=AUTH, timeout=30).status_code == 404


def test_concurrent_questions_while_documents_come_and_go_all_succeed_verbatim(admin):
    _, url, _ = admin
    questions = ["How much is the reward for Maduro's arrest?", "Who was indicted in 2020?",
                 "How much cargo did the harbour handle in 2025?", "What is the monthly rent?"]
    errors, answers, stop = [], [], threading.Event()

    def ask(number: int) -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                question = questions[number % len(questions)]
                response = client.post(url + "/ask", json={"question": question})
                if response.status_code != 200:
                    errors.append(response.text)
                    continue
                body = response.json()
                answers.append(body)
                number += 1

    clients = [threading.Thread(target=ask, args=(n,)) for n in range(16)]
    for client in clients:
        client.start()
    try:
        for _ in range(3):
            added = _upload(url, "lease.docx", sample_files.docx_bytes())
            assert added.status_code in (201, 409), added.text
            time.sleep(0.5)
            removed = httpx.delete(url + "/documents/lease", headers=AUTH, timeout=60)
            assert removed.status_code == 200, removed.text
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=120)
    assert errors == [] and len(answers) >= 16
    for body in answers:  # each answer is verbatim in the passage of the index that served it
        answer = body["answer"]
        if answer is None:
            continue
        cited = next(e for e in body["evidence"] if e["passage_id"] == answer["passage_id"])
        assert cited["text"][answer["start"] - cited["start"] : answer["end"] - cited["start"]] == answer["text"]


def test_added_documents_outlive_a_restart_and_a_bad_seed_is_skipped_with_a_reason(admin):
    base, url, process = admin
    _upload(url, "harbour-report.pdf", sample_files.pdf_bytes())
    (base / "seeds" / "scanned.pdf").write_bytes(sample_files.scanned_pdf_bytes())
    restarted, again = start_server(base, env=ADMIN_ENVIRONMENT)
    try:
        listed = {d["doc_id"] for d in httpx.get(again + "/documents", timeout=30).json()["documents"]}
        assert {"harbour-report", SEED_ID} <= listed and "scanned" not in listed
        body = httpx.post(again + "/ask", json={"question": "Who is the chief executive of the harbour authority?"},
                          timeout=60).json()
        cited = body["evidence"][0]  # the added document is searched again after the restart, its pages kept
        assert (cited["doc_id"], cited["page"]) == ("harbour-report", 3) and "Ingrid Solberg" in cited["text"]
        assert body["answer"] is None or body["answer"]["text"] == "Ingrid Solberg"
    finally:
        stop_server(restarted)
    log = (base / f"server-{again.rsplit(':', 1)[1]}.log").read_text(errors="replace")
    assert "Skipped scanned.pdf: 'scanned.pdf' has no text layer" in log
