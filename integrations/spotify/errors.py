"""Errors every Spotify adapter raises (catalog and playback), mapped from HTTP failures.

They are domain errors (`core.errors.DomainError`): `core.exceptions` answers each by its `kind`
(400 for a request Spotify cannot serve, 404 for an unknown id, 502 when Spotify answers with an
error, 503 when it is unreachable or rate-limits us past our retries), with a `detail` fit for a
client. `message` keeps what Spotify actually said, for logs, tasks and commands. Tasks retry only
the transient ones (`TRANSIENT_SPOTIFY_ERRORS`).
"""

from __future__ import annotations

from typing import ClassVar

from core.errors import DomainError, ErrorKind

TRY_AGAIN = "Spotify is temporarily unavailable. Please try again."


class SpotifyError(DomainError):
    """Base class: something went wrong talking to Spotify."""

    kind: ClassVar[ErrorKind] = ErrorKind.BAD_UPSTREAM
    default_detail: ClassVar[str] = "Spotify answered with an error. Please try again."
    # The answers carry only `detail`, as before the domain errors (API contract 9.21).
    default_code: ClassVar[str] = ""
    status_code: int | None = None

    def __init__(self, message: str = "", *, status_code: int | None = None, retry_after: float | None = None):
        self.message = message or (self.__class__.__doc__ or "Spotify error").strip()
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.public_detail(), retry_after=retry_after)
        self.args = (self.message,)  # str(error) is what Spotify said, for logs

    def public_detail(self) -> str:
        """The `detail` a client sees: what it can act on, without our credentials' troubles."""
        return self.default_detail


class SpotifyBadRequest(SpotifyError):
    """Spotify cannot serve this request (400): bad parameters."""

    kind = ErrorKind.INVALID
    status_code = 400

    def public_detail(self) -> str:
        return f"Spotify could not serve this request: {self.message}"


class SpotifyNotFound(SpotifyError):
    """Spotify has no resource with this id (404)."""

    kind = ErrorKind.NOT_FOUND
    default_detail = "Not found on Spotify."
    status_code = 404


class SpotifyAuthError(SpotifyError):
    """Our Spotify credentials or the user's token were refused (401/403)."""

    status_code = 401


class SpotifyRateLimited(SpotifyError):
    """Spotify kept answering 429 after our retries; `retry_after` holds its last hint in seconds."""

    kind = ErrorKind.UNAVAILABLE
    default_detail = TRY_AGAIN
    status_code = 429


class SpotifyUnavailable(SpotifyError):
    """Spotify is unreachable, timed out or answered 5xx after our retries."""

    kind = ErrorKind.UNAVAILABLE
    default_detail = TRY_AGAIN
    status_code = 503


class SpotifyBadGateway(SpotifyError):
    """Spotify answered with something we cannot use (unexpected status or malformed payload)."""

    status_code = 502


# Worth retrying later (tasks use this tuple in autoretry_for).
TRANSIENT_SPOTIFY_ERRORS: tuple[type[SpotifyError], ...] = (SpotifyRateLimited, SpotifyUnavailable)
