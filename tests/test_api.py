"""The JSON endpoint in a real uvicorn process: the contract, the verbatim invariant, and every bad input."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest


pytestmark = pytest.mark.server


def ask(server: str, **body) -> httpx.Response:
    return httpx.post(server + "/ask", json=body, timeout=30)


def test_ask_contract_and_verbatim_against_documents(server):
    response = ask(server, question="Who was indicted in 2020?")
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) >= {"question", "answer", "abstained", "evidence", "no_answer_score", "timings_ms"}
    answer = payload["answer"]
    assert set(answer) >= {"text", "doc_id", "start", "end", "score"}
    document = httpx.get(f"{server}/documents/{answer['doc_id']}").json()
    assert document["text"][answer["start"] : answer["end"]] == answer["text"]
    for evidence in payload["evidence"]:
        assert document["text"][evidence["start"] : evidence["end"]] == evidence["text"]
    assert [e["citation"] for e in payload["evidence"]] == [1, 2, 3]


def test_abstention_has_null_answer_and_evidence(server):
    payload = ask(server, question="What is the capital of France?").json()
    assert payload["abstained"] is True and payload["answer"] is None and payload["evidence"]


def test_follow_up_with_history(server):
    history = [
        {"role": "user", "content": "Who is the U.S. Defense Secretary?"},
        {"role": "assistant", "content": "Pete Hegseth"},
    ]
    payload = ask(server, question="What did he say about military strikes?", history=history).json()
    assert payload["read_as"] == "What did Pete Hegseth say about military strikes?"
    assert any("Hegseth clarified" in evidence["text"] for evidence in payload["evidence"])


def test_top_k_search_health_and_docs(server):
    assert len(ask(server, question="Who is Diosdado Cabello?", top_k=5).json()["evidence"]) == 5
    results = httpx.get(server + "/search", params={"q": "cartel designation", "k": 4}).json()["results"]
    assert len(results) == 4 and results[0]["citation"] == 1
    health = httpx.get(server + "/health").json()
    assert health == health | {"status": "ok", "documents": 1, "passages": 9}
    schema = httpx.get(server + "/openapi.json").json()
    assert {"/ask", "/search", "/health", "/documents/{doc_id}"} <= set(schema["paths"])
    assert httpx.get(server + "/docs").status_code == 200
    assert httpx.get(server + "/", follow_redirects=False).headers["location"] == "/ui/"


@pytest.mark.parametrize("question", ["¿Quién fue acusado? 🤔", "مَن هو وزير الدفاع؟", "\u0000\u0007 who \u202e was", "?!?!..."])
def test_odd_unicode_questions_answer_or_abstain(server, question):
    response = ask(server, question=question)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        payload = response.json()
        assert payload["abstained"] == (payload["answer"] is None)


def test_two_workers_serve_the_same_answers_and_stop_cleanly(workdir, pipeline, server):
    import subprocess

    from tests.conftest import start_server, stop_server

    process, url = start_server(workdir, "--workers", "2")
    try:
        expected = httpx.post(server + "/ask", json={"question": "Who was indicted in 2020?"}).json()["answer"]
        with httpx.Client() as client:
            for _ in range(6):  # keep-alive requests, spread over both workers
                got = client.post(url + "/ask", json={"question": "Who was indicted in 2020?"}, timeout=30)
                assert got.status_code == 200 and got.json()["answer"] == expected
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        workers = [pid for pid in children if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
        assert len(workers) == 2
    finally:
        stop_server(process)
    assert process.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def _context_switches(pid: int) -> int:
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:  # a thread that ended meanwhile
            continue
        total += sum(int(line.split()[1]) for line in lines if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")))
    return total


def test_an_idle_server_with_the_chat_loaded_sleeps(served):
    """Gradio's queue polls every millisecond by default, which slowed /ask by about 1 ms (ui/chat_mount.py)."""
    process, url = served
    deadline = time.monotonic() + 90
    while httpx.get(url + "/ui/", timeout=10).status_code != 200:  # until the chat has loaded
        assert time.monotonic() < deadline, "the chat did not load"
        time.sleep(0.5)
    time.sleep(0.5)
    before, started = _context_switches(process.pid), time.monotonic()
    time.sleep(2)
    per_second = (_context_switches(process.pid) - before) / (time.monotonic() - started)
    assert per_second < 250, f"{per_second:.0f} context switches a second while idle"


def test_a_cached_answer_is_served_without_the_pipeline_thread(settings, pipeline, monkeypatch):
    """(In process, no uvicorn: the test stops the app's pipeline thread, which a real server never does.)"""
    from fastapi.testclient import TestClient

    from ui.app import create_app

    app = create_app(settings, pipeline, chat=False)
    with TestClient(app) as client:
        body = {"question": "Who was indicted in 2020?", "top_k": 2}
        first = client.post("/ask", json=body)
        app.state.executor.shutdown()  # from here on, an ask handed to the pipeline thread would fail
        second = client.post("/ask", json=body)
        assert second.status_code == first.status_code == 200 and second.json() == first.json()
        assert client.post("/ask", json={"question": "  "}).status_code == 400  # still checked first
