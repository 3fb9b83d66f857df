"""Each probe of the security review, replayed against a real server with document changes on: the chat's routes,
document metadata, resource limits, bad input and headers."""

from __future__ import annotations

import io
import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from ui.chat import inert

pytestmark = pytest.mark.server
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
MAX_RESPONSE_BYTES = 5_000_000


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the document reader's worker), in MB."""
    total = 0
    for status in [Path(f"/proc/{pid}/status"), *_children_status(pid)]:
        try:
            total += next(int(line.split()[1]) for line in status.read_text().splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def _children_status(pid: int) -> list[Path]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(stat.with_name("status"))
    return found


def _chat_loaded(url: str) -> str:
    """``url`` once its chat has loaded (it answers 503 while Gradio loads)."""
    deadline = time.monotonic() + 120
    while httpx.get(url + "/ui/", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, "the chat did not load"
        time.sleep(0.3)
    return url


@contextmanager
def _session(url: str):
    """A client signed in as the chat signs in: the token exchanged for the session cookie."""
    with httpx.Client(base_url=url, timeout=60) as client:
        assert client.post("/admin/session", headers=AUTH).status_code == 204
        yield client


def _chunked(size: int, piece: int = 1 << 20):
    """A body of ``size`` bytes sent in chunks, without a Content-Length."""
    sent = 0
    while sent < size:
        yield b"x" * min(piece, size - sent)
        sent += piece


MULTIPART = {"content-type": "multipart/form-data; boundary=x"}


def _chunked_upload(field: str, size: int):
    """A well-formed multipart upload of a ``size``-byte file, sent in chunks without a Content-Length."""
    yield (f'--x\r\nContent-Disposition: form-data; name="{field}"; filename="big.md"\r\n'
           "Content-Type: text/markdown\r\n\r\n").encode()
    yield from _chunked(size)
    yield b"\r\n--x--\r\n"


def test_1_the_chats_upload_route_needs_the_token_and_caps_the_size(admin, server):
    url = _chat_loaded(admin[1])
    files = {"files": ("big.md", b"# Title\n\n" + b"word " * 1000)}
    anonymous = httpx.post(url + "/ui/gradio_api/upload", files=files, timeout=30)
    assert anonymous.status_code == 401 and "token" in anonymous.json()["detail"]
    off = httpx.post(server + "/ui/gradio_api/upload", files=files, timeout=30)  # a server with changes off
    assert off.status_code == 403
    wrong = httpx.post(url + "/ui/gradio_api/upload", files=files, timeout=30, cookies={"qa_admin": "guess"})
    assert wrong.status_code == 401
    with _session(url) as client:
        accepted = client.post("/ui/gradio_api/upload", files=files)
        assert accepted.status_code == 200
        # a chunked body far over the upload limit: 413 (from Gradio's own file limit, or ours), never a 500
        huge = client.post("/ui/gradio_api/upload", content=_chunked_upload("files", 8 << 20), headers=MULTIPART)
        assert huge.status_code == 413 and "size" in huge.text or "over" in huge.text


def test_2_the_token_is_never_kept_by_the_chat(admin):
    url = _chat_loaded(admin[1])
    assert httpx.get(url + "/ui/gradio_api/runs", timeout=30).status_code == 404  # no run history
    config = httpx.get(url + "/ui/config", timeout=30).json()
    assert ADMIN_TOKEN not in json.dumps(config)
    components = [c for c in config["components"] if c.get("props", {}).get("elem_id") == "token"]
    dependencies = [d for d in config["dependencies"] if components[0]["id"] in d.get("inputs", [])]
    assert dependencies and all(d.get("backend_fn") is False for d in dependencies)  # the token stays in the page


def test_3_a_huge_one_line_title_is_a_short_label_and_no_response_is_large(admin):
    folder, url, process = admin
    before = _rss_mb(process.pid)
    line = ("Title " + "x" * 80 + " ") * 1000  # 87 kB, one line, no sentence end
    added = httpx.post(url + "/documents", files={"file": ("one-line.md", line.encode())}, headers=AUTH, timeout=120)
    assert added.status_code == 201, added.text
    assert len(added.json()["title"]) <= 200 and "\n" not in added.json()["title"]
    sizes = []
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(3):
            sizes.append(len(client.get("/search", params={"q": "Title", "k": 50}).content))
            sizes.append(len(client.post("/ask", json={"question": "What is the title?", "top_k": 20}).content))
        sizes.append(len(client.get("/documents").content))
        for result in client.get("/search", params={"q": "Title", "k": 50}).json()["results"]:
            assert len(result["doc_title"]) <= 200
    assert max(sizes) < MAX_RESPONSE_BYTES
    assert _rss_mb(process.pid) - before < 500
    assert httpx.delete(url + "/documents/one-line", headers=AUTH, timeout=60).status_code == 200


def _call_add(client: httpx.Client, path: str) -> str:
    """Run the chat's ``add`` event through Gradio's API with the server file ``path``; its status message."""
    started = client.post("/ui/gradio_api/call/add", json={"data": [{"path": path, "meta": {"_type": "gradio.FileData"}}]})
    assert started.status_code == 200, started.text
    events = client.get(f"/ui/gradio_api/call/add/{started.json()['event_id']}").text
    data = [line[len("data:"):] for line in events.splitlines() if line.startswith("data:")]
    return json.loads(data[-1])[0] if data and data[-1].strip().startswith("[") else events


def test_4_the_chats_add_reads_only_what_the_browser_sent(admin, tmp_path):
    url = _chat_loaded(admin[1])
    secret = tmp_path / "server-secret.txt"
    secret.write_text("The vault code is 4711.", encoding="utf-8")
    with httpx.Client(base_url=url, timeout=60) as anonymous:
        assert "Added" not in _call_add(anonymous, str(secret))
    with _session(url) as client:
        for path in (str(secret), "/etc/hostname"):  # refused by Gradio's check, and by the chat's own
            assert "Added" not in _call_add(client, path)
        uploaded = client.post("/ui/gradio_api/upload", files={"files": ("harbour-note.md", b"# Harbour\n\nThe "
                                                                         b"harbour opens at dawn.")}).json()[0]
        assert "Added" in _call_add(client, uploaded)
        assert not Path(uploaded).exists()  # Gradio's copy is gone once the document is in the seeds folder
    assert httpx.get(url + "/documents/server-secret", timeout=30).status_code == 404
    assert httpx.delete(url + "/documents/harbour-note", headers=AUTH, timeout=60).status_code == 200


def test_5_titles_from_files_cannot_inject_markup(admin):
    from docx import Document as WordDocument

    _, url, _ = admin
    word = WordDocument()
    word.core_properties.title = "Report\n\n# Pwned\n[click](https://evil.example) ![x](https://evil.example/t.png)"
    word.add_paragraph("The bridge reopened in May after eight months of repairs.")
    data = io.BytesIO()
    word.save(data)
    added = httpx.post(url + "/documents", files={"file": ("hostile-title.docx", data.getvalue())}, headers=AUTH,
                       timeout=120)
    assert added.status_code == 201, added.text
    title = added.json()["title"]
    assert "\n" not in title and title.startswith("Report # Pwned")  # one line: it cannot open a block
    shown = inert(title)  # as the chat lists it and cites it
    assert "](" not in shown and "![" not in shown and "#" not in shown.replace("&#", "")
    assert httpx.delete(url + "/documents/hostile-title", headers=AUTH, timeout=60).status_code == 200


@pytest.mark.parametrize("body", [b'{"question": "\\ud800 who?"}', b'{"question": "Who?", "history": '
                                  b'[{"role": "user", "content": "\\udfff"}]}'])
def test_6_a_lone_surrogate_is_a_400_or_422_not_a_500(server, body):
    reply = httpx.post(server + "/ask", content=body, headers={"content-type": "application/json"}, timeout=30)
    assert reply.status_code in (400, 422)
    assert "surrogate" in reply.json()["detail"] or "unicode" in reply.json()["detail"]
    assert httpx.get(server + "/search?q=%ED%A0%80", timeout=30).status_code < 500  # not UTF-8: not a surrogate


def test_7_chunked_bodies_over_the_limit_are_413(admin):
    _, url, _ = admin
    ask = httpx.post(url + "/ask", content=_chunked(200_000, 16_384), headers={"content-type": "application/json"},
                     timeout=60)
    assert ask.status_code == 413 and "over" in ask.json()["detail"]
    upload = httpx.post(url + "/documents", content=_chunked_upload("file", 8 << 20), headers={**AUTH, **MULTIPART},
                        timeout=60)
    assert upload.status_code == 413


def _many_page_pdf(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=9)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 5, f"Page {number + 1}: the harbour handled cargo and ferries on this day.")
    return bytes(pdf.output())


def test_8_a_document_over_the_limits_is_refused_while_the_server_keeps_answering(admin):
    _, url, process = admin
    data = _many_page_pdf(2000)
    before = _rss_mb(process.pid)
    latencies, done = [], threading.Event()

    def poll():
        with httpx.Client(base_url=url, timeout=30) as client:
            while not done.is_set():
                started = time.perf_counter()
                assert client.get("/health").status_code == 200
                latencies.append(time.perf_counter() - started)
                time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        refused = httpx.post(url + "/documents", files={"file": ("ledger.pdf", data)}, headers=AUTH, timeout=300)
    finally:
        done.set()
        poller.join()
    assert refused.status_code == 400 and "2,000 pages; the limit is 1,000" in refused.json()["detail"]
    assert latencies and sorted(latencies)[len(latencies) // 2] < 0.2 and max(latencies) < 1.0
    assert _rss_mb(process.pid) - before < 500


def test_a_document_that_takes_too_long_is_stopped_and_refused():
    from index.errors import DocumentError
    from index.formats import Limits
    from index.preparation import DocumentPreparer

    preparer = DocumentPreparer(Limits(), max_passages=10_000, max_seconds=0.5)
    try:
        with pytest.raises(DocumentError, match="took longer than 0 s|took longer than 1 s"):
            preparer.prepare("ledger.pdf", _many_page_pdf(400))
        assert preparer.prepare("note.md", b"# Note\n\nThe ferry leaves at nine.").document.doc_id == "note"
    finally:
        preparer.close()


def test_9_headers_and_no_host_derived_links(admin):
    url = _chat_loaded(admin[1])
    with httpx.Client(base_url=url, timeout=30) as client:
        for path in ("/health", "/ui/", "/docs", "/documents"):
            headers = client.get(path).headers
            assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
        forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Gradio-Server": "http://evil.example"}
        config = client.get("/ui/config", headers=forged).json()
        assert "evil.example" not in json.dumps(config) and config["root"].startswith("http://127.0.0.1:")
        docs = client.get("/docs").text
        assert "cdn." not in docs and "https://" not in docs.split("<body>")[0]
        for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"):
            assert client.get(asset).status_code == 200
