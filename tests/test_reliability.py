"""Reliability: fuzzing against the OpenAPI schema, a concurrent load run, properties over arbitrary input,
and clean refusals at start-up. All traffic goes to 127.0.0.1; every run is bounded."""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from qa.errors import QuestionError
from qa.gold import load_gold
from tests.conftest import GOLD, ROOT, start_server, stop_server

FUZZ_EXAMPLES_PER_OPERATION = 300  # 4 operations: a little over 1,000 requests in all
LOAD_CLIENTS = 16
LOAD_REQUESTS = 2000


CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def _fuzz(url: str, examples: int, *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json", "-n", str(examples), "--seed", "1",
         "--wait-for-schema", "30", "--checks", CHECKS, *extra],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert counts and counts.group(1) == counts.group(2), result.stdout[-3000:]  # every generated case passed
    return result.stdout


@pytest.mark.server
def test_schemathesis_finds_no_server_error_or_schema_violation(server):
    output = _fuzz(server, FUZZ_EXAMPLES_PER_OPERATION)
    assert int(re.search(r"(\d+) generated", output).group(1)) >= 1000


@pytest.mark.server
def test_schemathesis_with_the_token_finds_no_server_error_in_uploads_and_deletions(tmp_path, workdir, pipeline):
    """Generated uploads and deletions, authorised, against a server of its own (they may add or remove files)."""
    import shutil

    from tests.conftest import ADMIN_ENVIRONMENT, ADMIN_TOKEN

    shutil.copytree(workdir / "seeds", tmp_path / "seeds")
    shutil.copytree(workdir / "store", tmp_path / "store")
    process, url = start_server(tmp_path, env=ADMIN_ENVIRONMENT)
    try:
        _fuzz(url, 60, "--include-path-regex", "^/documents", "-H", f"Authorization: Bearer {ADMIN_TOKEN}")
        assert httpx.get(url + "/health", timeout=30).status_code == 200
        seed = httpx.post(url + "/ask", json={"question": "How much is the reward for Maduro's arrest?"}, timeout=60)
        assert seed.status_code == 200
    finally:
        stop_server(process)
    assert not list(tmp_path.glob("*.txt"))  # nothing written beside the seeds folder


@pytest.mark.server
def test_concurrent_load_has_no_errors_and_same_answers(server):
    questions = [item.question for item in load_gold(GOLD) if not item.history][:40]

    def answer(client: httpx.Client, question: str) -> tuple[int, str | None, int | None]:
        response = client.post(server + "/ask", json={"question": question}, timeout=60)
        payload = response.json()
        return response.status_code, (payload["answer"] or {}).get("text"), (payload["answer"] or {}).get("start")

    with httpx.Client() as client:
        sequential = {q: answer(client, q) for q in questions}
    work = [questions[i % len(questions)] for i in range(LOAD_REQUESTS)]

    def worker(chunk: list[str]) -> list[tuple[str, tuple]]:
        with httpx.Client() as client:
            return [(q, answer(client, q)) for q in chunk]

    chunks = [work[i::LOAD_CLIENTS] for i in range(LOAD_CLIENTS)]
    with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
        results = [pair for chunk in pool.map(worker, chunks) for pair in chunk]
    assert len(results) == LOAD_REQUESTS
    errors = [r for _, r in results if r[0] != 200]
    assert errors == []
    assert all(result == sequential[q] for q, result in results)


@pytest.mark.integration
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.one_of(
    st.text(max_size=600),
    st.text(alphabet=st.sampled_from("?!.,;:'\"()[]{}…—–-"), max_size=50),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "So", "Mn"]), max_size=80),
    st.sampled_from(["مَن هو وزير الدفاع؟", "\u202eWho\u202c was indicted?", "🤔🤔🤔", "WHO WAS INDICTED IN 2020"]),
))
def test_ask_answers_or_abstains_for_any_question(pipeline, question):
    try:
        response = pipeline.ask(question)
    except QuestionError:
        return  # empty or too long: a clear, expected refusal
    assert response.abstained == (response.answer is None)
    if response.answer is not None:
        answer = response.answer
        assert pipeline.document(answer.doc_id).text[answer.start : answer.end] == answer.text


@pytest.mark.integration
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=400).filter(str.strip),
    question=st.sampled_from(["Who is it?", "When did it happen?", "How much?", "What is this about?"]),
)
def test_every_answer_over_arbitrary_documents_is_verbatim(encoder, text, question):
    from index.documents import Document
    from index.store import LoadedIndex, build_index
    from qa.pipeline import Pipeline
    from qa.settings import Settings

    document = Document("arbitrary", text.strip().splitlines()[0] if text.strip() else "", text)
    index = build_index([document], encoder)
    pipeline = Pipeline.over(LoadedIndex(index, "built", "test"), encoder, Settings(cache_size=0))
    for passage in index.passages:
        assert text[passage.start : passage.end] == passage.text
    response = pipeline.ask(question)
    if response.answer is not None:
        assert text[response.answer.start : response.answer.end] == response.answer.text


@pytest.mark.integration
@pytest.mark.parametrize("problem", ["empty", "not-utf8"])
def test_server_refuses_to_start_with_a_clear_message(tmp_path, problem):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    if problem == "not-utf8":
        (seeds / "bad.txt").write_bytes(b"\xff\xfe broken")
    environment = {"QA_SEEDS_DIR": str(seeds), "QA_STORE_DIR": str(tmp_path / "store"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "ui.cli", "serve", "--port", "1"], capture_output=True, text=True,
                            timeout=120, cwd=ROOT, env=environment)
    assert result.returncode == 2
    expected = "has no document to answer from" if problem == "empty" else "'bad.txt' is not UTF-8"
    assert expected in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "store" / "manifest.json").exists()


@pytest.mark.server
@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_access_log_can_be_switched_off(served, workdir, workers):
    """``--no-access-log`` leaves requests out of the log (about 0.2 ms a request); the default logs them."""
    process, url = start_server(workdir, "--no-access-log", "--workers", workers)
    try:
        assert httpx.get(url + "/health", timeout=30).status_code == 200
    finally:
        stop_server(process)
    quiet = (workdir / f"server-{url.rsplit(':', 1)[1]}.log").read_text(errors="replace")
    default = (workdir / f"server-{served[1].rsplit(':', 1)[1]}.log").read_text(errors="replace")
    assert '"GET /health HTTP/1.1" 200' in default
    assert "Application startup complete" in quiet and '"GET /health HTTP/1.1" 200' not in quiet
