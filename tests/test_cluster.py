"""Serving and indexing on a real local Ray cluster of two nodes (127.0.0.1), started and stopped here: the same
answers as the plain server, documents shared by every replica (read-your-writes), no error under load while
documents come and go, a killed replica restarted with nothing but 503s meanwhile, and the same index from
``qa index --ray``."""

from __future__ import annotations

import os
import shutil
import threading
import time

import httpx
import numpy as np
import pytest

from qa.settings import for_ray_cluster
from tests.conftest import ADMIN_TOKEN, SEEDS, free_port

# A single-machine cluster on the loopback interface: Ray otherwise connects its nodes at the machine's own address
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
for_ray_cluster()  # the cluster's processes inherit this process's environment
ray = pytest.importorskip("ray", reason="the cluster extra is not installed: pip install -e .[cluster]")
pytestmark = [pytest.mark.cluster, pytest.mark.integration]
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
QUESTIONS = ["Who was indicted in 2020?", "How much is the reward for Maduro's arrest?",
             "Who is the U.S. Defense Secretary?", "What is the capital of France?"]
BAKERY = b"# Riverside Bakery\n\n## Bread\n\nThe sourdough loaf costs 4 euros.\n"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two Ray nodes on this machine, Serve running the JSON endpoint with two answerers, and the writer."""
    from ray import serve
    from ray.cluster_utils import Cluster

    from qa.settings import Settings
    from ui.cluster import NAMESPACE, serve_on_ray

    base = tmp_path_factory.mktemp("cluster")
    shutil.copytree(SEEDS, base / "seeds")
    settings = Settings(seeds_dir=base / "seeds", store_dir=base / "store", admin_token=ADMIN_TOKEN,
                        host="127.0.0.1", port=free_port(), cache_size=0, model_threads=1)
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "include_dashboard": False})
    nodes.add_node(num_cpus=2)
    try:
        ray.init(address=nodes.address, namespace=NAMESPACE)
        serve_on_ray(settings, nodes.address, replicas=2, blocking=False)
        url = f"http://127.0.0.1:{settings.port}"
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(url + "/health", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the cluster did not start serving"
            time.sleep(0.5)
        yield settings, url
    finally:
        serve.shutdown()
        ray.shutdown()
        nodes.shutdown()


def _ask(url: str, question: str) -> dict:
    reply = httpx.post(url + "/ask", json={"question": question}, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_cluster_answers_as_the_plain_server_does(cluster, pipeline):
    from ui.schemas import ask_response

    _, url = cluster
    for question in QUESTIONS:
        plain = ask_response(pipeline.ask(question)).model_dump(mode="json", exclude={"timings_ms", "index_version"})
        served = _ask(url, question)
        assert {k: v for k, v in served.items() if k not in ("timings_ms", "index_version")} == plain


def test_a_change_is_served_by_every_replica_when_it_returns(cluster):
    _, url = cluster
    added = httpx.post(url + "/documents", files={"file": ("riverside-bakery.md", BAKERY)}, headers=AUTH, timeout=120)
    assert added.status_code == 201, added.text
    replies = [_ask(url, "How much does the sourdough loaf cost?") for _ in range(12)]  # spread over both
    assert {r["answer"]["text"] for r in replies} == {"4 euros"}
    assert len({r["index_version"] for r in replies}) == 1
    removed = httpx.delete(url + "/documents/riverside-bakery", headers=AUTH, timeout=120)
    assert removed.status_code == 200
    for _ in range(12):
        reply = _ask(url, "How much does the sourdough loaf cost?")
        assert reply["answer"] is None or reply["answer"]["doc_id"] != "riverside-bakery"
    assert httpx.get(url + "/documents/riverside-bakery", timeout=30).status_code == 404


def test_sixteen_clients_while_documents_come_and_go(cluster):
    _, url = cluster
    errors, checked, stop = [], [0], threading.Event()

    def client(number: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while not stop.is_set():
                reply = http.post("/ask", json={"question": QUESTIONS[number % len(QUESTIONS)]})
                if reply.status_code != 200:
                    errors.append(reply.status_code)
                    continue
                body = reply.json()
                answer = body["answer"]
                if answer is not None:
                    cited = body["evidence"][0]
                    if answer["text"] != cited["text"][answer["start"] - cited["start"] : answer["end"] - cited["start"]]:
                        errors.append("not verbatim")
                checked[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(3):
            assert httpx.post(url + "/documents", files={"file": ("riverside-bakery.md", BAKERY)}, headers=AUTH,
                              timeout=120).status_code == 201
            assert httpx.delete(url + "/documents/riverside-bakery", headers=AUTH, timeout=120).status_code == 200
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == [] and checked[0] > 16


def _answerers() -> set[str]:
    """The names of the live Answerer replicas (Serve names each replica actor after its deployment)."""
    return {entry["name"] for entry in ray.util.list_named_actors(all_namespaces=True)
            if entry["namespace"] == "serve" and "Answerer" in entry["name"]}


def test_a_killed_replica_gives_only_503s_and_comes_back(cluster):
    _, url = cluster
    answerers = _answerers()
    assert len(answerers) == 2
    victim = sorted(answerers)[0]
    statuses, stop = [], threading.Event()

    def client() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while not stop.is_set():
                statuses.append(http.post("/ask", json={"question": QUESTIONS[0]}).status_code)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    while len(statuses) < 4:  # under load
        time.sleep(0.05)
    ray.kill(ray.get_actor(victim, namespace="serve"), no_restart=True)  # its process ends at once, as a crash's
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            alive = _answerers()
            if len(alive) == 2 and victim not in alive:
                break
            time.sleep(1.0)
        else:
            pytest.fail("the killed replica was not replaced")
        healthy = 0
        while healthy < 20 and time.monotonic() < deadline:  # both answering again
            healthy += httpx.get(url + "/health", timeout=30).status_code == 200
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert {status for status in statuses if status >= 500} <= {503}
    assert statuses.count(200) > 0


def test_index_on_ray_is_the_index_of_qa_index(cluster, tmp_path, encoder):
    from index.distributed import build_index_on_ray
    from index.documents import read_document
    from index.store import build_index
    from tests import sample_files

    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    (folder / "garden-club.md").write_text(sample_files.MARKDOWN, encoding="utf-8")
    (folder / "harbour.pdf").write_bytes(sample_files.pdf_bytes())
    seed_article = sorted(folder.glob("*.txt"))
    for files in (seed_article, sorted(folder.iterdir())):  # the seed article; a folder of every format
        expected = build_index([read_document(p.name, p.read_bytes()) for p in files], encoder)
        built, skipped = build_index_on_ray(files, encoder.model, workers=2)
        assert skipped == []
        assert built.passages == expected.passages and built.parses == expected.parses
        assert built.documents == expected.documents
        vectors = built.vectors.reconstruct_n(0, len(built.passages))
        assert np.allclose(vectors, expected.vectors.reconstruct_n(0, len(expected.passages)), atol=1e-5)
