"""The Gradio chat, mounted at /ui once it has loaded.

Importing Gradio takes about 5 s here, longer than everything else the server loads. So the JSON endpoint
answers at once, Gradio loads on a thread meanwhile, and until then /ui answers 503 with a page that reloads
itself.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack, asynccontextmanager, suppress

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.settings import Settings
from ui.auth import AdminGate
from ui.middleware import CHAT_PATH, add_cors

log = logging.getLogger("qa.http")

CHAT_STARTING = (
    '<!doctype html><meta http-equiv="refresh" content="2"><title>Starting</title>'
    "<p>The chat is starting; this page reloads itself. The JSON endpoint (<code>POST /ask</code>) already answers."
)
CHAT_FAILED = (
    "<!doctype html><title>Chat unavailable</title><p>The chat failed to load; the server log says why. The JSON "
    "endpoint (<code>POST /ask</code>) works."
)
# Gradio's idle queue polls for chat events every millisecond and for progress every 10 ms: about 1,100 event-loop
# wake-ups a second that take the GIL from the thread answering /ask (docs/performance.md). A chat message now
# waits up to 20 ms for the queue to notice it.
CHAT_QUEUE_POLL_SECONDS = 0.02
CHAT_PROGRESS_POLL_SECONDS = 0.1
UPLOADS_KEPT_SECONDS = 600  # Gradio's copies of uploaded files are deleted after this


class LazyChat:
    """The chat's ASGI app once loaded, a page that says it is starting (or failed) until then."""

    def __init__(self) -> None:
        self._app: ASGIApp | None = None
        self._page = CHAT_STARTING

    @asynccontextmanager
    async def loading(self, get_pipeline, run, changes, settings: Settings, gate: AdminGate):
        async with AsyncExitStack() as stack:
            task = asyncio.create_task(self._load(stack, get_pipeline, run, changes, settings, gate))
            try:
                yield
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    async def _load(self, stack: AsyncExitStack, get_pipeline, run, changes, settings: Settings,
                    gate: AdminGate) -> None:
        try:
            host = await asyncio.to_thread(chat_app, get_pipeline, run, changes, settings, gate)
            # mount_gradio_app put Gradio's start-up (its queue) in the host's lifespan: run it now.
            await stack.enter_async_context(host.router.lifespan_context(host))
            self._app = host.routes[-1].app
        except Exception:
            log.exception("the chat failed to load; the JSON endpoint keeps working")
            self._page = CHAT_FAILED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is not None:
            return await self._app(scope, receive, send)
        if scope["type"] != "http":
            return
        starting = self._page is CHAT_STARTING
        page = HTMLResponse(self._page, status_code=503, headers={"Retry-After": "2"} if starting else None)
        await page(scope, receive, send)


def public_origin(settings: Settings) -> str:
    """The server's address as people reach it: ``QA_PUBLIC_URL`` or the address it listens on. The chat's links
    are built from this (:class:`ui.middleware.ChatGate`), never from the request's Host or proxy headers."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def chat_app(get_pipeline, run, changes, settings: Settings, gate: AdminGate) -> FastAPI:
    """Build the chat and mount it on a host app of its own, whose /ui route is then served by LazyChat."""
    import gradio as gr

    from ui.chat import build_chat

    host = FastAPI()
    add_cors(host, settings.cors_origins, ("GET", "POST"))  # so Gradio leaves CORS to the same policy as the API
    chat = build_chat(get_pipeline, run, changes, gate, delete_cache=(UPLOADS_KEPT_SECONDS, UPLOADS_KEPT_SECONDS))
    _poll_less(chat)
    host = gr.mount_gradio_app(host, chat, path=CHAT_PATH, show_error=False, footer_links=[], run_history=False,
                               max_file_size=settings.max_upload_bytes if gate.enabled else 1)
    # Gradio checks that a file sent to an event was uploaded by a browser (not any path of the server) only in
    # an app it launched itself; a mounted app is served all the same, so it gets the same check.
    chat.has_launched = True
    return host


def _poll_less(chat) -> None:
    """Make the chat's queue poll less often. ``sleep_when_free`` is Gradio's name, not a public setting: on a
    Gradio without it the chat still works, only busier."""
    queue = getattr(chat, "_queue", None)
    if not hasattr(queue, "sleep_when_free") or not hasattr(queue, "progress_update_sleep_when_free"):
        log.warning("this Gradio's queue has no polling interval to set; an idle chat keeps the server busy")
        return
    queue.sleep_when_free = CHAT_QUEUE_POLL_SECONDS
    queue.progress_update_sleep_when_free = CHAT_PROGRESS_POLL_SECONDS
