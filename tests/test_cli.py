"""The real `qa` command end to end (CliRunner, real model): exact output, JSON contract, eval files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import GOLD
from ui.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(settings, pipeline, monkeypatch):
    monkeypatch.setenv("QA_SEEDS_DIR", str(settings.seeds_dir))
    monkeypatch.setenv("QA_STORE_DIR", str(settings.store_dir))
    return CliRunner()


def test_index_reports_reuse(runner):
    result = runner.invoke(main, ["index"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Index reused (seeds and model unchanged): 1 document(s), 9 passages")


def test_ask_prints_answer_and_citation(runner):
    result = runner.invoke(main, ["ask", "Who was indicted in 2020?"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Answer: Maduro, Interior Minister Diosdado Cabello"
    assert lines[1].startswith("[1] U.S. Escalates Pressure on Venezuela‘s Maduro Regime") and "characters 1598-1975" in lines[1]


def test_ask_json_is_the_http_contract(runner, settings):
    result = runner.invoke(main, ["ask", "--json", "What is the capital of France?"])
    payload = json.loads(result.output)
    assert payload["abstained"] is True and payload["answer"] is None
    assert set(payload) >= {"question", "answer", "abstained", "evidence", "no_answer_score", "message"}
    assert set(payload["evidence"][0]) >= {"doc_id", "passage_id", "text", "start", "end", "score"}


def test_empty_question_is_a_clear_error_not_a_traceback(runner):
    result = runner.invoke(main, ["ask", "  "])
    assert result.exit_code == 2
    assert "The question is empty" in result.output and "Traceback" not in result.output


def test_eval_writes_official_formats_and_same_numbers_for_squad_json(runner, tmp_path):
    out = tmp_path / "out"
    squad = tmp_path / "gold-squad.json"
    first = runner.invoke(main, ["eval", str(GOLD), "--out", str(out), "--squad-json", str(squad)])
    assert first.exit_code == 0, first.output
    predictions = json.loads((out / "predictions.json").read_text())
    na_probs = json.loads((out / "na_probs.json").read_text())
    ids = {json.loads(line)["id"] for line in GOLD.read_text().splitlines()}
    assert set(predictions) == set(na_probs) == ids
    assert all(isinstance(v, str) for v in predictions.values())
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in na_probs.values())
    assert (out / "no_answer.png").read_bytes()[:4] == b"\x89PNG"
    assert "| HasAns F1 |" in (out / "report.md").read_text()
    again = runner.invoke(main, ["eval", str(squad), "--out", str(tmp_path / "out2")])
    assert again.exit_code == 0, again.output
    first_metrics = json.loads((out / "metrics.json").read_text())
    second_metrics = json.loads((tmp_path / "out2" / "metrics.json").read_text())
    for key in ("exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "hit@1", "hit@3", "mrr", "best_f1"):
        assert first_metrics["all"][key] == second_metrics["all"][key], key


def test_the_multi_worker_listener_gives_connections_tcp_nodelay():
    """uvicorn's own listener (protocol 0) leaves Nagle on, costing ~40 ms per keep-alive request (uvicorn#3149)."""
    import asyncio
    import socket

    from ui.cli import _tcp_listener

    async def nodelay_of_accepted_connection(listener: socket.socket) -> int:
        accepted = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                accepted.set_result(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        with socket.create_connection(listener.getsockname()[:2]):
            value = await asyncio.wait_for(accepted, 10)
        server.close()
        return value

    listener = _tcp_listener("127.0.0.1", 0)
    assert listener.proto == socket.IPPROTO_TCP
    assert asyncio.run(nodelay_of_accepted_connection(listener)) != 0


def test_train_refuses_contradictory_measure_flags(runner):
    result = runner.invoke(main, ["train", "--measure-only", "--no-measure"])
    assert result.exit_code == 2 and "--measure-only and --no-measure exclude each other" in result.output


def test_measuring_again_needs_a_trained_reader(runner, tmp_path):
    result = runner.invoke(main, ["train", "--measure-only", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "holds no reader trained by `qa train`" in result.output
    assert "Traceback" not in result.output


def test_add_and_remove_change_the_seeds_and_the_index_without_a_rebuild(workdir, pipeline, tmp_path, monkeypatch):
    import shutil

    from tests import sample_files

    shutil.copytree(workdir / "seeds", tmp_path / "seeds")
    shutil.copytree(workdir / "store", tmp_path / "store")
    monkeypatch.setenv("QA_SEEDS_DIR", str(tmp_path / "seeds"))
    monkeypatch.setenv("QA_STORE_DIR", str(tmp_path / "store"))
    (tmp_path / "lease.docx").write_bytes(sample_files.docx_bytes())
    (tmp_path / "scan.pdf").write_bytes(sample_files.scanned_pdf_bytes())
    runner = CliRunner()
    result = runner.invoke(main, ["add", str(tmp_path / "lease.docx"), str(tmp_path / "scan.pdf")])
    assert result.exit_code == 2, result.output
    assert "Added lease.docx as 'lease': Lease Agreement" in result.output
    assert "Reading lease.docx (" in result.output and "KiB): its text" in result.output
    assert "Not added: 'scan.pdf' has no text layer" in result.output and "Traceback" not in result.output
    assert (tmp_path / "seeds" / "lease.docx").is_file() and not (tmp_path / "seeds" / "scan.pdf").exists()
    reused = runner.invoke(main, ["index"])
    assert reused.output.startswith("Index reused (seeds and model unchanged): 2 document(s)"), reused.output
    answer = runner.invoke(main, ["ask", "What is the monthly rent?"])
    assert answer.output.startswith("Answer: 1,250 dollars"), answer.output
    again = runner.invoke(main, ["add", str(tmp_path / "lease.docx")])  # refused before any reading
    assert again.exit_code == 2 and "a document with the id 'lease' is already loaded" in again.output
    assert "Reading" not in again.output and "Indexing" not in again.output
    removed = runner.invoke(main, ["remove", "lease"])
    assert removed.exit_code == 0 and "Removed 'lease' (lease.docx)." in removed.output
    assert not (tmp_path / "seeds" / "lease.docx").exists()
    assert runner.invoke(main, ["index"]).output.startswith("Index reused (seeds and model unchanged): 1 document(s)")
    missing = runner.invoke(main, ["remove", "lease"])
    assert missing.exit_code == 2 and "No document has the id 'lease'" in missing.output


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("QA_TOP_K", "abc", "Setting QA_TOP_K (top_k in qa.toml): Input should be a valid integer"),
    ("QA_NO_ANSWER_THRESHOLD", "2", "Setting QA_NO_ANSWER_THRESHOLD (no_answer_threshold in qa.toml): Input should be "
                                    "less than or equal to 1 (got '2')."),
    ("QA_ADMIN_TOKEN", "short-secret", "Setting QA_ADMIN_TOKEN (admin_token in qa.toml): String should have at least"),
    ("QA_CORS_ORIGINS", "https://example.org", "Setting QA_CORS_ORIGINS: not JSON; a list setting takes JSON"),
])
def test_a_bad_setting_is_one_sentence_naming_it(runner, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    result = runner.invoke(main, ["ask", "Who was indicted in 2020?"])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output and "short-secret" not in result.output  # a token is not echoed


def test_a_store_that_is_a_file_is_one_sentence(runner, monkeypatch, tmp_path):
    (tmp_path / "store").write_text("not a folder")
    monkeypatch.setenv("QA_STORE_DIR", str(tmp_path / "store"))
    result = runner.invoke(main, ["ask", "Who was indicted in 2020?"])
    assert result.exit_code == 2 and f"{tmp_path / 'store'} is a file where a folder is expected." in result.output
    assert "Traceback" not in result.output


def test_ask_says_why_it_rebuilt_a_damaged_index(runner, settings, monkeypatch, tmp_path):
    import shutil

    store = shutil.copytree(settings.store_dir, tmp_path / "store")
    (store / "vectors.faiss").write_bytes((store / "vectors.faiss").read_bytes()[:100])
    monkeypatch.setenv("QA_STORE_DIR", str(store))
    result = runner.invoke(main, ["ask", "Who was indicted in 2020?"])
    assert result.exit_code == 0, result.output
    assert "Index rebuilt (" in result.stderr and "Answer: Maduro" in result.stdout
