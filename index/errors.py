"""Every error the project raises on purpose. The faces turn these into HTTP 4xx / CLI messages.

"No answer in the documents" is a normal result, never an error.
"""


class QAError(Exception):
    """Base class: the message is written for a person and never contains a traceback or a path outside the project."""


class SeedsError(QAError):
    """The seeds folder is missing, empty, or holds a document that cannot be read."""


class DocumentError(QAError):
    """A file cannot become a document: unsupported type, too large, damaged, encrypted, or without text. The
    message names the file and the reason."""


class DocumentExists(DocumentError):
    """A document with that id or that text is already loaded."""


class IndexStoreError(QAError):
    """The stored index is missing, truncated, corrupt, or was built for another model."""


class QuestionError(QAError):
    """The question cannot be asked: empty, too long, or not text."""


class DocumentNotFound(QAError):
    """No document has the requested id."""


class ReaderModelError(QAError):
    """The reader model's folder is missing a file or holds a damaged one."""
