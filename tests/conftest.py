"""Shared fixtures: a private copy of the seeds and store, one real pipeline, one real uvicorn server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "gold" / "seed-article.jsonl"
SEED_ID = "us-pressure-on-maduro-cartel-de-los-soles"

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


MODEL_FIXTURES = {"pipeline", "encoder"}  # the bundled models and a real FAISS index
SERVER_FIXTURES = {"served", "server", "admin"}  # a real uvicorn process


def pytest_collection_modifyitems(items) -> None:
    """A test is marked by the real parts it uses, so that ``make check`` (none of them) never starts one."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & SERVER_FIXTURES:
            item.add_marker(pytest.mark.server)
        if used & MODEL_FIXTURES:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    """A copy of seeds/ and an empty store folder, so tests never touch the repository's index."""
    base = tmp_path_factory.mktemp("qa")
    shutil.copytree(SEEDS, base / "seeds")
    return base


@pytest.fixture(scope="session")
def settings(workdir):
    from qa.settings import Settings

    return Settings(seeds_dir=workdir / "seeds", store_dir=workdir / "store")


@pytest.fixture(scope="session")
def encoder():
    from index.embedder import SentenceEmbedder

    encoder = SentenceEmbedder()
    encoder.warm_up()
    return encoder


@pytest.fixture(scope="session")
def pipeline(settings):
    from qa.pipeline import Pipeline

    return Pipeline.from_settings(settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path, *extra: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = os.environ | {"QA_SEEDS_DIR": str(workdir / "seeds"), "QA_STORE_DIR": str(workdir / "store")}
    environment |= env or {}
    log = (workdir / f"server-{port}.log").open("wb")  # a file, not a pipe: an unread pipe fills and blocks
    process = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--port", str(port), *extra],
        env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited: " + (workdir / f"server-{port}.log").read_text(errors="replace")[-2000:])
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("server did not become healthy in 120 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def served(workdir, pipeline) -> tuple[subprocess.Popen, str]:
    """A real `qa serve` process on a free 127.0.0.1 port (the pipeline fixture has built the index already)."""
    process, url = start_server(workdir)
    yield process, url
    stop_server(process)


@pytest.fixture(scope="session")
def server(served) -> str:
    """The URL of the real server."""
    return served[1]


ADMIN_TOKEN = "a-long-enough-administrator-token"
UPLOAD_LIMIT = 2 * 1024 * 1024
ADMIN_ENVIRONMENT = {"QA_ADMIN_TOKEN": ADMIN_TOKEN, "QA_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)}


@pytest.fixture(scope="session")
def admin(tmp_path_factory, workdir, pipeline):
    """A server with uploads on (``ADMIN_TOKEN``), over its own copy of the seeds and of the store the pipeline
    fixture built: ``(folder, url, process)``."""
    base = tmp_path_factory.mktemp("admin")
    shutil.copytree(workdir / "seeds", base / "seeds")
    shutil.copytree(workdir / "store", base / "store")
    process, url = start_server(base, env=ADMIN_ENVIRONMENT)
    yield base, url, process
    stop_server(process)
