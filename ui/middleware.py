"""What every request passes through before an endpoint sees it: the body size limit, the chat's gate, and the
security headers. Each is a plain ASGI middleware."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.auth import SESSION_COOKIE, SIGN_IN_FIRST, AdminGate, AdminRefused

CHAT_PATH = "/ui"
CHAT_UPLOAD_PATH = f"{CHAT_PATH}/gradio_api/upload"
# Gradio routes the chat does not use, refused outright: run history, live editing, streaming media, recordings,
# monitoring
CHAT_UNUSED = ("/gradio_api/runs", "/gradio_api/run-history", "/gradio_api/vibe", "/gradio_api/undo-vibe",
               "/gradio_api/stream", "/gradio_api/process_recording", "/monitoring", "/gradio_api/dev/")
# What the chat's page and the API docs need, and nothing from elsewhere: no image, script or font of another site
# (an image in a document's title cannot call out), no framing by another site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' data: blob:; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


async def _json(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, whether Content-Length is declared or the body comes in
    chunks; a POST to a path of ``uploads`` may send up to its own limit. A chunked body is refused as soon as it
    passes the limit: the endpoint reading it is told the client left, and its reply is dropped."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = uploads or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.uploads.get(scope.get("path", "")) if scope.get("method") == "POST" else None
        limit = limit or self.max_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await self._refuse(send, limit)
        received, refused, started = 0, False, False

        async def reply(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the endpoint's own reply to a body it never got whole
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started:
                        await self._refuse(send, limit)
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        try:
            await self.app(scope, limited_receive, reply)
        except Exception:
            if not refused:
                raise

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        await _json(send, 413, f"The request body is over {limit} bytes.")


PROXY_HEADERS = (b"x-forwarded-host", b"x-forwarded-proto", b"x-gradio-server")  # what Gradio builds links from


class ChatGate:
    """The chat's own routes under the rule of the JSON endpoint: a file reaches Gradio's upload route only from
    someone who may add documents (the token, or the chat's session cookie, :mod:`ui.auth`), and the Gradio routes
    the chat does not use answer 404. Gradio builds the page's links from the request's proxy headers: they are
    replaced by the server's public address (``origin``, from the settings), whatever the request said."""

    def __init__(self, app: ASGIApp, gate: AdminGate, origin: str) -> None:
        self.app = app
        self.gate = gate
        scheme, _, netloc = origin.partition("://")
        self.proxy_headers = [(b"x-forwarded-host", netloc.encode()), (b"x-forwarded-proto", scheme.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not (path == CHAT_PATH or path.startswith(CHAT_PATH + "/")):
            return await self.app(scope, receive, send)
        kept = [(name, value) for name, value in scope.get("headers", []) if name not in PROXY_HEADERS]
        scope = {**scope, "headers": [*kept, *self.proxy_headers]}
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        inside = path[len(CHAT_PATH):]
        if inside.startswith(CHAT_UNUSED):
            return await _json(send, 404, "Not found.")
        if path.rstrip("/") == CHAT_UPLOAD_PATH:
            headers = dict(scope.get("headers", []))
            try:
                self.gate.check(headers.get(b"authorization", b"").decode("latin-1"),
                                session_cookie(headers.get(b"cookie", b"").decode("latin-1")))
            except AdminRefused as refused:  # shown in the chat as it is: its words, not the endpoint's
                return await _json(send, refused.status, SIGN_IN_FIRST if refused.status == 401 else refused.detail)
        await self.app(scope, receive, send)


def session_cookie(header: str) -> str | None:
    """The value of the admin cookie in a ``Cookie`` header, if there is one."""
    cookies = SimpleCookie()
    try:
        cookies.load(header)
    except Exception:  # a malformed cookie header is no session
        return None
    morsel = cookies.get(SESSION_COOKIE)
    return morsel.value if morsel else None


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def add_cors(app, origins: list[str], methods: tuple[str, ...] = ("GET", "POST", "DELETE")) -> None:
    """Cross-origin requests from ``origins`` only (none: the browser's same-origin rule stands)."""
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=list(methods))
