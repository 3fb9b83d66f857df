"""Who may add and remove documents: whoever holds ``QA_ADMIN_TOKEN``. The JSON endpoint takes it as a bearer
token; the chat exchanges it once for a session cookie (``POST /admin/session``), so that the browser's own
requests (the file upload Gradio makes before the "Add" click) carry it without the token being kept anywhere in
the page or in the browser's storage. Both are compared in constant time; the session changes with every start.
"""

from __future__ import annotations

import secrets

SESSION_COOKIE = "qa_admin"
SESSION_SECONDS = 3600

TURNED_OFF = "Adding and removing documents is turned off; the operator turns it on by setting QA_ADMIN_TOKEN."
ONE_WORKER = ("Adding and removing documents needs a server with one worker (qa serve --workers 1); use qa add / "
              "qa remove and restart instead.")
NEEDS_TOKEN = "This needs the administrator's token: send 'Authorization: Bearer <token>'."
SIGN_IN_FIRST = "Sign in with the administrator's token first (above), then choose the file."  # the chat's words


class AdminRefused(Exception):
    """A document change refused: ``status`` 403 (turned off) or 401 (no or wrong token), ``detail`` says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class AdminGate:
    """The one rule for document changes, wherever they come from."""

    def __init__(self, token: str | None, workers: int = 1) -> None:
        self._token = token
        self._workers = workers
        self._session = secrets.token_urlsafe(32) if token else None

    @property
    def enabled(self) -> bool:
        return bool(self._token) and self._workers == 1

    def check(self, authorization: str | None = None, session: str | None = None) -> None:
        """Pass when changes are on and ``authorization`` (an ``Authorization`` header) holds the token or
        ``session`` (the cookie) the current session. Raises AdminRefused."""
        if not self._token:
            raise AdminRefused(403, TURNED_OFF)
        if self._workers > 1:  # each worker holds its own index
            raise AdminRefused(403, ONE_WORKER)
        if self.token_matches(authorization) or (
                session is not None and secrets.compare_digest(session.encode(), self._session.encode())):
            return
        raise AdminRefused(401, NEEDS_TOKEN)

    def token_matches(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        return (bool(self._token) and scheme.lower() == "bearer"
                and secrets.compare_digest(token.strip().encode(), self._token.encode()))

    def session(self, authorization: str | None) -> str:
        """The session cookie's value, for a request that holds the token. Raises AdminRefused."""
        self.check(authorization)
        return self._session
