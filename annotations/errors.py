"""Domain errors. Libraries raise these; the edges (CLI, pages) catch only these."""

from __future__ import annotations

from typing import Any


class AnnotatorError(Exception):
    """Base class of every error the annotator reports to a user."""


class ValidationError(AnnotatorError, ValueError):
    """A value does not fit: the message says what was expected and what arrived."""


class NotFoundError(AnnotatorError, LookupError):
    """A record asked for by id does not exist."""


class AmbiguousIdError(AnnotatorError, LookupError):
    """An id prefix matches more than one record."""


class PermissionDeniedError(AnnotatorError, PermissionError):
    """The acting user's role does not allow this write."""


class StaleEditError(AnnotatorError):
    """An edit was based on an older version of a record than the one stored.

    ``current`` holds the newer record, so the user can see what changed.
    """

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class IngestError(AnnotatorError):
    """A source file was refused. ``name`` names the file."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class ImportFormatError(AnnotatorError):
    """A line of an import file is malformed. ``line`` is 1-based."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}, line {line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class ModelNotInstalledError(AnnotatorError):
    """No spaCy English model is installed."""
