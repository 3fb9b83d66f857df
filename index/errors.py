"""The errors of reading documents and keeping the index, and the base of every error the project raises on purpose
(the QA errors are in :mod:`qa.errors`). The faces turn these into HTTP 4xx / CLI messages.

"No answer in the documents" is a normal result, never an error.
"""


class QAError(Exception):
    """Base class: the message is written for a person and never contains a traceback or a path outside the project."""


class SeedsError(QAError):
    """The seeds folder is missing, empty, or holds a document that cannot be read."""


class DocumentError(QAError):
    """A file cannot become a document: unsupported type, too large, damaged, encrypted, or without text. The
    message names the file and the reason."""


class DocumentTooLarge(DocumentError):
    """A file over the size limit."""


class DocumentExists(DocumentError):
    """A document with that id or that text is already loaded."""


class IndexStoreError(QAError):
    """The stored index is missing, truncated, corrupt, or was built for another model."""
