"""Errors as a JSON ``detail`` sentence with a 4xx status; anything unexpected is logged and answered with a
short 500, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from qa.errors import DocumentExists, DocumentNotFound, DocumentTooLarge, QAError, QuestionError, Unavailable
from ui.auth import AdminRefused

log = logging.getLogger("qa.http")
ERROR_STATUS = {QuestionError: 400, DocumentNotFound: 404, DocumentExists: 409, DocumentTooLarge: 413,
                Unavailable: 503}  # else 400
RETRY_AFTER_SECONDS = 2


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": explain(exc)})

    @app.exception_handler(AdminRefused)
    async def refused(request: Request, exc: AdminRefused) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(status_code=exc.status, content={"detail": exc.detail}, headers=headers)

    @app.exception_handler(QAError)
    async def project_error(request: Request, exc: QAError) -> JSONResponse:
        status = next((code for kind, code in ERROR_STATUS.items() if isinstance(exc, kind)), 400)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
        return JSONResponse(status_code=status, content={"detail": str(exc)}, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)  # the traceback goes to the log, not the client
        return JSONResponse(status_code=500, content={"detail": "Internal error; it has been logged."})


def explain(exc: RequestValidationError) -> str:
    """One readable sentence per problem: "body.question: Input should be a valid string"."""
    problems = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            return "The request body is not valid JSON."
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(problems) or "The request is invalid."
