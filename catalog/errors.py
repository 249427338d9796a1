"""Errors the catalog's services raise; `core.exceptions` answers them by `kind`, commands print them.

Their HTTP answers are `{"detail": ...}` only, like the catalog's answers before domain errors.
"""

from __future__ import annotations

from typing import ClassVar

from core.errors import DomainError, ErrorKind


class CatalogError(DomainError):
    """Base class of the catalog's errors."""

    kind: ClassVar[ErrorKind] = ErrorKind.INVALID
    default_code: ClassVar[str] = ""


class SearchQueryMissing(CatalogError):
    """An external (Spotify) search needs the text to search for."""

    default_detail = "Missing search parameter 'q'."


class NotOnStreamingPlatform(CatalogError):
    """Spotify offers no search or lookup for this kind of item (genres)."""

    default_detail = "Service cannot satisfy request because it is not available through the Streaming Platform API."


class CatalogImportError(CatalogError):
    """A catalog file cannot be imported: the message names the file, the line when known, and the fix."""

    default_detail = "The file cannot be imported."
