"""The FastAPI app: ``POST /ask``, ``GET /search``, ``GET /health``, ``GET /documents/{doc_id}``, the chat at /ui.

Create it with :func:`create_app` (uvicorn: ``ui.http:create_app --factory``). The pipeline is loaded once at
start-up and shared by every request; errors become 4xx JSON with a readable ``detail``, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from functools import partial

from fastapi import Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.errors import DocumentExists, DocumentNotFound, QAError, QuestionError
from qa.pipeline import Pipeline
from qa.settings import Settings, get_settings
from ui.schemas import (
    AskRequest,
    AskResponse,
    DocumentList,
    DocumentOut,
    DocumentSummary,
    ErrorResponse,
    HealthResponse,
    SearchResponse,
    ask_response,
    document_out,
    document_summary,
    evidence_out,
)

log = logging.getLogger("qa.http")
ERRORS = {
    400: {"model": ErrorResponse, "description": "The question cannot be asked (empty, too long)."},
    413: {"model": ErrorResponse, "description": "The request body is too large."},
    422: {"model": ErrorResponse, "description": "The request does not match the schema."},
}


def create_app(settings: Settings | None = None, pipeline: Pipeline | None = None) -> FastAPI:
    """Build the app. ``pipeline`` may be given (tests); otherwise it is loaded once in the lifespan."""
    settings = settings or get_settings()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

    chat = LazyChat()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        _share_cores_between_workers(settings)
        app.state.pipeline = pipeline or Pipeline.from_settings(settings)
        # One thread runs the pipeline: the models keep one warm thread team instead of one per request thread.
        # The work is CPU-bound: nothing is lost.
        app.state.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline")
        async with chat.loading(lambda: app.state.pipeline, in_pipeline_thread, settings):
            yield
        app.state.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="Extractive QA",
        version="2.0",
        summary="Verbatim answers from the documents in seeds/, with character offsets and numbered citations.",
        lifespan=lifespan,
    )
    uploads = {"/documents": settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES}
    if settings.admin_token:  # the chat's upload form sends its file to Gradio's upload route first
        uploads[CHAT_UPLOAD_PATH] = uploads["/documents"]
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, uploads=uploads)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"])

    # Dependencies and endpoints that do not block are ``async def``: FastAPI runs plain ``def`` ones on a worker
    # thread, and each such hop cost about 0.4 ms per request here.
    async def current_pipeline(request: Request) -> Pipeline:
        return request.app.state.pipeline

    async def in_pipeline_thread(function, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(app.state.executor, partial(function, *args, **kwargs))

    @app.post("/ask", response_model=AskResponse, responses=ERRORS, tags=["qa"])
    async def ask(body: AskRequest, pipeline: Pipeline = Depends(current_pipeline)) -> AskResponse:
        """Answer a question with a verbatim span and cited passages, or abstain (``answer`` null)."""
        turns = [(m.role, m.content) for m in body.history]
        response = pipeline.cached(body.question, history=turns, top_k=body.top_k)  # no hop to the thread for these
        if response is None:
            response = await in_pipeline_thread(pipeline.ask, body.question, history=turns, top_k=body.top_k)
        return ask_response(response)

    @app.get("/search", response_model=SearchResponse, responses=ERRORS, tags=["qa"])
    async def search(
        q: str = Query(..., description="The query", examples=["cartel designation"]),
        k: int = Query(5, ge=1, le=50, description="How many passages"),
        pipeline: Pipeline = Depends(current_pipeline),
    ) -> SearchResponse:
        """Ranked cited passages for a query, without reading an answer."""
        hits = await in_pipeline_thread(pipeline.search, q, k)
        return SearchResponse(query=q, results=evidence_out(hits, pipeline.documents))

    @app.get("/health", response_model=HealthResponse, tags=["service"])
    async def health(pipeline: Pipeline = Depends(current_pipeline)) -> HealthResponse:
        manifest = pipeline.opened.index.manifest
        return HealthResponse(
            status="ok", documents=manifest.documents, passages=manifest.passages, model=manifest.model,
            reader=pipeline.reader.name, index_kind=manifest.index_kind,
        )

    @app.get("/documents", response_model=DocumentList, tags=["documents"])
    async def documents(pipeline: Pipeline = Depends(current_pipeline)) -> DocumentList:
        """The documents being answered from."""
        return DocumentList(documents=[document_summary(d) for d in pipeline.documents.values()])

    @app.get("/documents/{doc_id}", response_model=DocumentOut, responses={404: {"model": ErrorResponse}},
             tags=["documents"])
    async def document(doc_id: str, pipeline: Pipeline = Depends(current_pipeline)) -> DocumentOut:
        """The full text a citation points into (``text[start:end]`` is the cited span), with where it came from
        and its pages or sections."""
        return document_out(pipeline.document(doc_id))

    async def administrator(request: Request) -> None:
        """Uploads and deletions need ``QA_ADMIN_TOKEN``, sent as ``Authorization: Bearer <token>``."""
        if not settings.admin_token:
            raise AdminRefused(403, "Adding and removing documents is turned off; the operator turns it on by "
                                    "setting QA_ADMIN_TOKEN.")
        if int(os.environ.get("QA_SERVE_WORKERS", "1")) > 1:  # each worker holds its own index
            raise AdminRefused(403, "Adding and removing documents needs a server with one worker "
                                    "(qa serve --workers 1); use qa add / qa remove and restart instead.")
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), settings.admin_token.encode()):
            raise AdminRefused(401, "This needs the administrator's token: send 'Authorization: Bearer <token>'.")

    @app.post("/documents", response_model=DocumentSummary, status_code=201, dependencies=[Depends(administrator)],
              responses={**ADMIN_ERRORS, 409: {"model": ErrorResponse, "description": "Already loaded."}},
              tags=["documents"])
    async def add_document(
        file: UploadFile = File(description=".txt, .md, .html, .pdf or .docx"),
        pipeline: Pipeline = Depends(current_pipeline),
    ) -> DocumentSummary:
        """Add a document: it is answered from as soon as this returns, and stays after a restart (its file goes
        into the seeds folder). Questions asked meanwhile are answered from the documents as they were."""
        data = await file.read()
        added = await asyncio.to_thread(pipeline.add_document, file.filename or "", data)
        return document_summary(added)

    @app.delete("/documents/{doc_id}", response_model=DocumentSummary, dependencies=[Depends(administrator)],
                responses={**ADMIN_ERRORS, 404: {"model": ErrorResponse}}, tags=["documents"])
    async def remove_document(doc_id: str, pipeline: Pipeline = Depends(current_pipeline)) -> DocumentSummary:
        """Stop answering from a document and delete its file from the seeds folder."""
        return document_summary(await asyncio.to_thread(pipeline.remove_document, doc_id))

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    _add_error_handlers(app)
    app.mount("/ui", chat)
    return app


class LazyChat:
    """The Gradio chat, mounted at /ui once it has loaded.

    Importing Gradio takes about 5 s here, longer than everything else the server loads. So the JSON endpoint
    answers at once, Gradio loads on a thread meanwhile, and until then /ui answers 503 with a page that
    reloads itself.
    """

    def __init__(self) -> None:
        self._app: ASGIApp | None = None
        self._page = CHAT_STARTING

    @asynccontextmanager
    async def loading(self, get_pipeline, run, settings: Settings):
        async with AsyncExitStack() as stack:
            task = asyncio.create_task(self._load(stack, get_pipeline, run, settings))
            try:
                yield
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    async def _load(self, stack: AsyncExitStack, get_pipeline, run, settings: Settings) -> None:
        try:
            host = await asyncio.to_thread(_chat_app, get_pipeline, run, settings)
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


CHAT_STARTING = (
    '<!doctype html><meta http-equiv="refresh" content="2"><title>Starting</title>'
    "<p>The chat is starting; this page reloads itself. The JSON endpoint (<code>POST /ask</code>) already answers."
)


CHAT_FAILED = (
    "<!doctype html><title>Chat unavailable</title><p>The chat failed to load; the server log says why. The JSON "
    "endpoint (<code>POST /ask</code>) works."
)


def _chat_app(get_pipeline, run, settings: Settings) -> FastAPI:
    """Build the chat and mount it on a host app of its own, whose /ui route is then served by LazyChat."""
    import gradio as gr

    from ui.chat import build_chat

    host = FastAPI()
    if settings.cors_origins:  # so Gradio leaves CORS to the same policy as the API
        from fastapi.middleware.cors import CORSMiddleware

        host.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"])
    chat = build_chat(get_pipeline, run, admin_token=settings.admin_token)
    _poll_less(chat)
    return gr.mount_gradio_app(host, chat, path="/ui", show_error=False, footer_links=[],
                               max_file_size=settings.max_upload_bytes if settings.admin_token else 1)


# Gradio's idle queue polls for chat events every millisecond and for progress every 10 ms: about 1,100 event-loop
# wake-ups a second that take the GIL from the thread answering /ask (docs/performance.md). A chat message now
# waits up to 20 ms for the queue to notice it.
CHAT_QUEUE_POLL_SECONDS = 0.02
CHAT_PROGRESS_POLL_SECONDS = 0.1


def _poll_less(chat) -> None:
    """Make the chat's queue poll less often (``sleep_when_free`` is Gradio's name, not a public setting)."""
    queue = chat._queue
    if not hasattr(queue, "sleep_when_free") or not hasattr(queue, "progress_update_sleep_when_free"):
        log.warning("this Gradio's queue has no polling interval to set; an idle chat keeps the server busy")
        return
    queue.sleep_when_free = CHAT_QUEUE_POLL_SECONDS
    queue.progress_update_sleep_when_free = CHAT_PROGRESS_POLL_SECONDS


def _share_cores_between_workers(settings: Settings) -> None:
    """With several uvicorn workers, give each an equal share of the cores instead of all of them."""
    workers = int(os.environ.get("QA_SERVE_WORKERS", "1"))
    if workers > 1:
        share = max(1, (os.cpu_count() or 1) // workers)
        os.environ["QA_ENCODER_THREADS"] = str(share)  # the ONNX encoder
        if not settings.onnx_encoder:
            import torch

            torch.set_num_threads(share)


ERROR_STATUS = {QuestionError: 400, DocumentNotFound: 404, DocumentExists: 409}  # any other QAError is a 400
UPLOAD_OVERHEAD_BYTES = 64 * 1024
CHAT_UPLOAD_PATH = "/ui/gradio_api/upload"  # a multipart body's headers and boundaries, beside the file
ADMIN_ERRORS = {
    400: {"model": ErrorResponse, "description": "The file cannot be read: type, size, damage, no text."},
    401: {"model": ErrorResponse, "description": "The administrator's token is missing or wrong."},
    403: {"model": ErrorResponse, "description": "Adding and removing documents is turned off."},
    413: {"model": ErrorResponse, "description": "The upload is over the size limit."},
    422: {"model": ErrorResponse, "description": "The request does not match the schema (no file, say)."},
}


class AdminRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _explain(exc)})

    @app.exception_handler(AdminRefused)
    async def refused(request: Request, exc: AdminRefused) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail}, headers=headers)

    @app.exception_handler(QAError)
    async def project_error(request: Request, exc: QAError) -> JSONResponse:
        return JSONResponse(status_code=ERROR_STATUS.get(type(exc), 400), content={"detail": str(exc)})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)  # the traceback goes to the log, not the client
        return JSONResponse(status_code=500, content={"detail": "Internal error; it has been logged."})


def _explain(exc: RequestValidationError) -> str:
    """One readable sentence per problem: "body.question: Input should be a valid string"."""
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "The request is invalid."


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413, whether or not Content-Length is declared; a POST to a
    path of ``uploads`` may send up to its own limit."""

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
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        response = JSONResponse(status_code=413, content={"detail": f"The request body is over {limit} bytes."})
        await response({"type": "http"}, None, send)


class _TooLarge(Exception):
    pass
