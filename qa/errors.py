"""The errors of asking, reading and evaluating. The faces turn these into HTTP 4xx / CLI messages."""

from index.errors import DocumentError, DocumentExists, DocumentTooLarge, QAError

__all__ = ["DocumentError", "DocumentExists", "DocumentNotFound", "DocumentTooLarge", "QAError", "QuestionError",
           "ReaderModelError", "Unavailable"]


class QuestionError(QAError):
    """The question cannot be asked: empty, too long, or not text."""


class DocumentNotFound(QAError):
    """No document has the requested id."""


class ReaderModelError(QAError):
    """The reader model's folder is missing a file or holds a damaged one."""


class Unavailable(QAError):
    """The part of a cluster that would answer is down for a moment (a replica restarting): try again."""
