"""The benchmark's measuring parts against the real server, so a 40-minute run does not fail at its end."""

from __future__ import annotations

import pytest

from bench.run import http_load, one_client, render, start_bare_server

pytestmark = pytest.mark.integration

QUESTIONS = ["Who was indicted in 2020?", "How much is the reward for Maduro's arrest?"]


def test_one_client_measures_ask_health_the_floor_and_the_pipeline_side_by_side(server, pipeline, tmp_path):
    bare, bare_url = start_bare_server(tmp_path)
    try:
        single = one_client(server, bare_url, QUESTIONS, 1, pipeline)
    finally:
        bare.terminate()
        bare.wait()
    assert set(single) == {"health stdlib", "health httpx", "ask stdlib", "ask httpx", "pipeline", "ask in process",
                           "bare get stdlib", "bare get httpx", "bare post stdlib", "bare post httpx"}
    assert all(value > 0 for value in single.values())  # (no timing comparison: the test server caches answers,
    # so a repeated /ask costs about what /health does, and which is faster is a coin toss on a shared machine)


def test_http_load_counts_no_errors_against_a_healthy_server(server):
    row = http_load(server, QUESTIONS, clients=2, requests=6)
    assert row["errors"] == 0 and row["requests"] == 6 and row["rps"] > 0


def test_the_report_renders_every_section():
    local = {name: {"p50": 10.0, "p95": 12.0} for name in
             ("encode sentence-transformers", "encode torch", "ask torch", "encode onnx", "ask onnx")}
    single = {"health stdlib": 1.0, "health httpx": 1.5, "ask stdlib": 9.0, "ask httpx": 9.5, "pipeline": 8.0,
              "ask in process": 7.5, "bare get stdlib": 0.25, "bare get httpx": 0.5, "bare post stdlib": 0.3,
              "bare post httpx": 0.6}
    http_rows = [{"workers": 1, "clients": 1, "requests": 6, "errors": 0, "p50": 9.0, "p95": 9.9, "rps": 100.0,
                  "memory_mb": 300.0}]
    scale_rows = [{"passages": 17, "kind": "flat", "embed_s": 0.2, "index_s": 0.0, "warm_up_s": 0.1, "hit1": 90.0,
                   "cited1": 92.0, "wider_cited1": 88.5, "wider": 300, "search_p50": 0.25, "ask_p50": 8.0,
                   "ask_p95": 9.0, "article_p50": 6.4}]
    reading = {"bare encode": 10.0} | {f"reads {n}": 10.0 + 2 * n for n in (1, 2, 4, 6, 8, 10)}
    report = render(local, reading, [(2.0, 6.0)], http_rows, scale_rows, 13.0, 2, 1, single)
    for heading in ("**In process**", "**What reading costs**", "**One client, 1 worker**",
                    "**HTTP `/ask` under load**", "**Start-up**", "**Scale**"):
        assert heading in report
    assert "| 1 | 12.00 | 1.20x | – |" in report and "| 4 | 18.00 | 1.80x | +2.00 |" in report
    assert "| `/ask` minus in-process `ask` in the same rounds (7.50) | +1.50 | +2.00 |" in report
    assert "| `/ask` minus the pipeline's own time in the same requests (8.00) | +1.00 | +1.50 |" in report
    assert "| … `POST` with `/ask`'s body to it | 0.30 | 0.60 |" in report
    assert "every gold file (300 questions)" in report and "| 90.0 | 92.0 | 88.5 | 0.25 | 8.0 |" in report
    assert "| 6.4 | 1.25x |" in report  # the size's ask p50 over the article alone's, timed in the same rounds


def test_the_scale_run_embeds_and_cites_as_the_served_index_does(encoder, pipeline):
    """The scale rows prepare passages as the index build does (the same texts are embedded), and on the article
    alone they cite exactly what the served pipeline cites."""
    from bench.run import gold_questions, scale

    embedded: list[str] = []

    class RecordingEncoder:
        model = encoder.model

        def encode(self, texts, **options):
            embedded.extend(texts)
            return encoder.encode(texts, **options)

    items = gold_questions()
    answerable = [item for item in items if item.answerable]
    cited = sum(
        any(answer in response.citations[0].passage.text for answer in item.answers)
        for item in answerable
        if (response := pipeline.ask(item.question)).citations
    )
    rows = scale(RecordingEncoder(), pipeline.library.snapshot.retriever.encoder, [0], items, 1, answerable)
    assert set(embedded) >= {p.search_text for p in pipeline.library.snapshot.index.passages}
    assert [row["kind"] for row in rows] == ["flat"]  # the article's passages are too few to train a quantiser
    assert [row["cited1"] for row in rows] == [100 * cited / len(answerable)]
    assert [row["wider_cited1"] for row in rows] == [100 * cited / len(answerable)]
    assert all(row["article_p50"] > 0 and row["search_p50"] > 0 for row in rows)


def test_in_process_splits_each_ask_into_its_encode_and_what_follows(pipeline, encoder):
    from bench.run import SentenceTransformersEncode, TimedEncoder, in_process
    from qa.pipeline import Pipeline

    timed = TimedEncoder(pipeline.library.snapshot.retriever.encoder)
    measured = Pipeline.over(pipeline.library.snapshot.loaded, timed, pipeline.settings.model_copy(update={"cache_size": 0}))
    encoders = {"sentence-transformers": SentenceTransformersEncode(encoder), "onnx": pipeline.library.snapshot.retriever.encoder}
    local = in_process({"onnx": measured}, encoders, QUESTIONS, rounds=1)
    assert set(local) == {"encode sentence-transformers", "encode onnx", "ask onnx", "after encode onnx"}
    assert timed.last_ms > 0
    assert 0 < local["after encode onnx"]["p50"] < local["ask onnx"]["p50"]
