"""Errors every Spotify adapter raises (catalog and playback), mapped from HTTP failures.

Views turn them into API errors (see `api_error_for`): 400 for a request Spotify cannot serve,
404 for an unknown id, 502 when Spotify answers with an error, 503 when it is unreachable or
rate-limits us past our retries. Tasks retry only the transient ones (`TRANSIENT_SPOTIFY_ERRORS`).
"""

from __future__ import annotations


class SpotifyError(Exception):
    """Base class: something went wrong talking to Spotify."""

    status_code: int | None = None

    def __init__(self, message: str = "", *, status_code: int | None = None, retry_after: float | None = None):
        super().__init__(message or self.__class__.__doc__ or "Spotify error")
        self.message = message or (self.__class__.__doc__ or "Spotify error").strip()
        if status_code is not None:
            self.status_code = status_code
        self.retry_after = retry_after


class SpotifyBadRequest(SpotifyError):
    """Spotify cannot serve this request (400): bad parameters."""

    status_code = 400


class SpotifyNotFound(SpotifyError):
    """Spotify has no resource with this id (404)."""

    status_code = 404


class SpotifyAuthError(SpotifyError):
    """Our Spotify credentials or the user's token were refused (401/403)."""

    status_code = 401


class SpotifyRateLimited(SpotifyError):
    """Spotify kept answering 429 after our retries; `retry_after` holds its last hint in seconds."""

    status_code = 429


class SpotifyUnavailable(SpotifyError):
    """Spotify is unreachable, timed out or answered 5xx after our retries."""

    status_code = 503


class SpotifyBadGateway(SpotifyError):
    """Spotify answered with something we cannot use (unexpected status or malformed payload)."""

    status_code = 502


# Worth retrying later (tasks use this tuple in autoretry_for).
TRANSIENT_SPOTIFY_ERRORS: tuple[type[SpotifyError], ...] = (SpotifyRateLimited, SpotifyUnavailable)


def api_error_for(exc: SpotifyError):
    """The DRF APIException a view should raise for this Spotify error (never a 500)."""
    from rest_framework.exceptions import NotFound, ValidationError

    from core.exceptions import BadGateway, ServiceUnavailable

    if isinstance(exc, SpotifyBadRequest):
        return ValidationError({"detail": f"Spotify could not serve this request: {exc.message}"})
    if isinstance(exc, SpotifyNotFound):
        return NotFound("Not found on Spotify.")
    if isinstance(exc, SpotifyRateLimited | SpotifyUnavailable):
        return ServiceUnavailable("Spotify is temporarily unavailable. Please try again.")
    return BadGateway("Spotify answered with an error. Please try again.")
