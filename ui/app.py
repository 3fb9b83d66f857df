"""The FastAPI app: ``POST /ask``, ``GET /search``, ``GET /health``, the documents, and the chat at /ui.

Create it with :func:`create_app` (uvicorn: ``ui.app:create_app --factory``). The pipeline is loaded once at
start-up and shared by every request through :func:`get_pipeline`, a dependency tests may override; the routes
only translate between HTTP and the library. Errors become 4xx JSON with a readable ``detail`` (:mod:`ui.errors`).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from collections.abc import Callable
from functools import partial
from typing import Protocol

from fastapi import Depends, FastAPI, File, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from fastapi_offline import FastAPIOffline

from index.documents import Document
from qa.pipeline import Pipeline
from qa.settings import Settings, get_settings, quiet_libraries
from ui.auth import SESSION_COOKIE, SESSION_SECONDS, AdminGate
from ui.chat_mount import LazyChat, public_origin
from ui.errors import add_error_handlers
from ui.middleware import CHAT_PATH, CHAT_UPLOAD_PATH, BodySizeLimit, ChatGate, SecurityHeaders, add_cors
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

ERRORS = {
    400: {"model": ErrorResponse, "description": "The question cannot be asked (empty, too long, invalid text)."},
    413: {"model": ErrorResponse, "description": "The request body is too large."},
    422: {"model": ErrorResponse, "description": "The request does not match the schema."},
}
ADMIN_ERRORS = {
    400: {"model": ErrorResponse, "description": "The file cannot be read: type, size, damage, no text, a limit."},
    401: {"model": ErrorResponse, "description": "The administrator's token is missing or wrong."},
    403: {"model": ErrorResponse, "description": "Adding and removing documents is turned off."},
    413: {"model": ErrorResponse, "description": "The upload is over the size limit."},
    422: {"model": ErrorResponse, "description": "The request does not match the schema (no file, say)."},
}
UPLOAD_OVERHEAD_BYTES = 64 * 1024  # a multipart body's headers and boundaries, beside the file


async def get_pipeline(request: Request) -> Pipeline:
    """The pipeline loaded at start-up."""
    return request.app.state.pipeline


class DocumentChanges(Protocol):
    """Who applies document changes: the pipeline's own library (:class:`LocalChanges`), or a cluster's one
    writer (:mod:`ui.cluster`). Each returns once the change is served."""

    async def add(self, name: str, data: bytes, progress: Callable[[str], None] | None = None) -> Document: ...

    async def remove(self, doc_id: str) -> Document: ...


class LocalChanges:
    """Changes applied by the pipeline's library, on a thread of their own (questions go on meanwhile)."""

    def __init__(self, library) -> None:
        self.library = library

    async def add(self, name: str, data: bytes, progress: Callable[[str], None] | None = None) -> Document:
        return await asyncio.to_thread(self.library.add, name, data, progress)

    async def remove(self, doc_id: str) -> Document:
        return await asyncio.to_thread(self.library.remove, doc_id)


def create_app(settings: Settings | None = None, pipeline: Pipeline | None = None, *, chat: bool = True,
               changes: DocumentChanges | None = None) -> FastAPI:
    """Build the app. ``pipeline`` may be given (tests, a cluster's stand-in); otherwise it is loaded once in
    the lifespan. ``changes`` applies document changes (by default the pipeline's library). Without ``chat``,
    /ui is not mounted."""
    settings = settings or get_settings()
    quiet_libraries()
    gate = AdminGate(settings.admin_token, 1 if changes is not None else settings.serve_workers)
    lazy_chat = LazyChat()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if pipeline is not None:
            app.state.pipeline = pipeline
        elif get_pipeline not in app.dependency_overrides:  # (a test's stand-in needs no models)
            app.state.pipeline = Pipeline.from_settings(settings)
        app.state.changes = changes or LocalChanges(getattr(getattr(app.state, "pipeline", None), "library", None))
        # One thread runs the pipeline: the models keep one warm thread team instead of one per request thread.
        # The work is CPU-bound: nothing is lost. (A pipeline that only waits on others says how many calls it
        # takes at once: a cluster's, ui.cluster.RemotePipeline.)
        calls = getattr(getattr(app.state, "pipeline", None), "parallel_calls", 1)
        app.state.executor = ThreadPoolExecutor(max_workers=calls, thread_name_prefix="pipeline")
        if chat:
            async with lazy_chat.loading(lambda: app.state.pipeline, in_pipeline_thread, app.state.changes, settings,
                                         gate):
                yield
        else:
            yield
        app.state.executor.shutdown(wait=False, cancel_futures=True)
        if getattr(app.state, "pipeline", None) is not None:
            app.state.pipeline.close()

    described = {"title": "Extractive QA", "version": "2.0", "lifespan": lifespan,
                 "summary": "Verbatim answers from the documents in seeds/, with character offsets and numbered "
                            "citations."}
    if settings.api_docs:  # Swagger UI's files from the installed package, not a CDN
        app = FastAPIOffline(docs_url="/docs", redoc_url=None, static_url="/docs-assets", **described)
    else:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **described)
    uploads = {"/documents": settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES}
    if gate.enabled:
        uploads[CHAT_UPLOAD_PATH] = uploads["/documents"]
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, uploads=uploads)
    app.add_middleware(ChatGate, gate=gate, origin=public_origin(settings))
    add_cors(app, settings.cors_origins)
    app.add_middleware(SecurityHeaders)

    async def in_pipeline_thread(function, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(app.state.executor, partial(function, *args, **kwargs))

    async def light(pipeline, function, *args):
        """A cheap call: at once on a local pipeline; on a thread when the pipeline waits on a cluster."""
        if getattr(pipeline, "parallel_calls", 1) == 1:
            return function(*args)
        return await in_pipeline_thread(function, *args)

    async def administrator(request: Request) -> None:
        """Document changes need ``QA_ADMIN_TOKEN``, sent as ``Authorization: Bearer <token>``."""
        gate.check(request.headers.get("authorization"))

    # Endpoints that do not block are ``async def``: FastAPI runs plain ``def`` ones on a worker thread, and each
    # such hop cost about 0.4 ms per request here.
    @app.post("/ask", response_model=AskResponse, responses=ERRORS, tags=["qa"])
    async def ask(body: AskRequest, pipeline: Pipeline = Depends(get_pipeline)) -> AskResponse:
        """Answer a question with a verbatim span and cited passages, or abstain (``answer`` null)."""
        turns = [(m.role, m.content) for m in body.history]
        result = pipeline.cached(body.question, history=turns, top_k=body.top_k)  # no hop to the thread for these
        if result is None:
            result = await in_pipeline_thread(pipeline.ask, body.question, history=turns, top_k=body.top_k)
        return ask_response(result)

    @app.get("/search", response_model=SearchResponse, responses=ERRORS, tags=["qa"])
    async def search(
        q: str = Query(..., description="The query", examples=["cartel designation"]),
        k: int = Query(5, ge=1, le=50, description="How many passages"),
        pipeline: Pipeline = Depends(get_pipeline),
    ) -> SearchResponse:
        """Ranked cited passages for a query, without reading an answer."""
        citations = await in_pipeline_thread(pipeline.search, q, k)
        return SearchResponse(query=q, results=evidence_out(citations))

    @app.get("/health", response_model=HealthResponse, tags=["service"])
    async def health(pipeline: Pipeline = Depends(get_pipeline)) -> HealthResponse:
        status = await light(pipeline, pipeline.status)
        return HealthResponse(
            status="ok", documents=status.documents, passages=status.passages, model=status.model,
            reader=status.reader, index_kind=status.index_kind, index_version=status.index_version,
        )

    @app.get("/documents", response_model=DocumentList, tags=["documents"])
    async def documents(pipeline: Pipeline = Depends(get_pipeline)) -> DocumentList:
        """The documents being answered from."""
        documents = await light(pipeline, lambda: pipeline.documents)
        return DocumentList(documents=[document_summary(d) for d in documents.values()])

    @app.get("/documents/{doc_id}", response_model=DocumentOut, responses={404: {"model": ErrorResponse}},
             tags=["documents"])
    async def document(doc_id: str, pipeline: Pipeline = Depends(get_pipeline)) -> DocumentOut:
        """The full text a citation points into (``text[start:end]`` is the cited span), with where it came from
        and its pages or sections."""
        return document_out(await light(pipeline, pipeline.document, doc_id))

    @app.post("/documents", response_model=DocumentSummary, status_code=201, dependencies=[Depends(administrator)],
              responses={**ADMIN_ERRORS, 409: {"model": ErrorResponse, "description": "Already loaded."}},
              tags=["documents"])
    async def add_document(
        request: Request, file: UploadFile = File(description=".txt, .md, .html, .pdf or .docx"),
    ) -> DocumentSummary:
        """Add a document: it is answered from as soon as this returns, and stays after a restart (its file goes
        into the seeds folder). Questions asked meanwhile are answered from the documents as they were."""
        data = await file.read()
        return document_summary(await request.app.state.changes.add(file.filename or "", data))

    @app.delete("/documents/{doc_id}", response_model=DocumentSummary, dependencies=[Depends(administrator)],
                responses={**ADMIN_ERRORS, 404: {"model": ErrorResponse}}, tags=["documents"])
    async def remove_document(doc_id: str, request: Request) -> DocumentSummary:
        """Stop answering from a document and delete its file from the seeds folder."""
        return document_summary(await request.app.state.changes.remove(doc_id))

    @app.post("/admin/session", status_code=204, dependencies=[Depends(administrator)],
              responses={k: ADMIN_ERRORS[k] for k in (401, 403)}, tags=["documents"])
    async def admin_session(request: Request) -> Response:
        """Exchange the token for a session cookie, for the chat's own requests (its upload form): HttpOnly,
        only sent to /ui of this site, valid for an hour or until the server restarts."""
        response = Response(status_code=204)
        response.set_cookie(SESSION_COOKIE, gate.session(request.headers.get("authorization")),
                            max_age=SESSION_SECONDS, path=CHAT_PATH, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{CHAT_PATH}/")

    add_error_handlers(app)
    if chat:
        app.mount(CHAT_PATH, lazy_chat)
    return app
