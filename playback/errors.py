"""Playback's domain errors. core.exceptions answers each by its kind: the body is `{"detail", "code"[, "reason"]}`."""

from __future__ import annotations

from core.errors import DomainError, ErrorKind

SPOTIFY = "Spotify"


class PlaybackError(DomainError):
    """A playback request that cannot be served (400 unless the kind says otherwise)."""

    kind = ErrorKind.INVALID
    default_detail = "Playback request failed."
    default_code = "playback_failed"


class PlaybackAccountNotLinked(PlaybackError):
    default_detail = "Link a streaming account to control playback."
    default_code = "account_not_linked"


class PlaybackProviderUnsupported(PlaybackError):
    default_code = "provider_not_supported"

    def __init__(self, provider: str):
        super().__init__(f"Provider '{provider}' is not supported.")


class PlaybackProviderNotLinked(PlaybackError):
    default_detail = f"Link your {SPOTIFY} account to control playback."
    default_code = "provider_not_linked"


class PlaybackAuthExpired(PlaybackError):
    default_detail = f"{SPOTIFY} authentication expired. Please reconnect your account."
    default_code = "reauthentication_required"


class PlaybackRefreshTokenMissing(PlaybackError):
    default_detail = f"{SPOTIFY} authentication is missing a refresh token."
    default_code = "refresh_token_missing"


class PlaybackCommandRefused(PlaybackError):
    """Spotify refused the command; its own message and reason (e.g. PREMIUM_REQUIRED) are passed on."""

    default_detail = f"{SPOTIFY} playback request failed."
    default_code = "provider_refused"

    def __init__(self, detail: str | None = None, *, reason: str | None = None):
        super().__init__(detail, extra={"reason": reason} if reason else None)


class PlaybackNoDevice(PlaybackError):
    """Nothing to play on: Spotify is open on none of the user's devices."""

    default_detail = (
        f"Open {SPOTIFY} on one of your devices (phone, computer or speaker), then try again: Juke plays through it."
    )
    default_code = "no_device"

    def __init__(self):
        super().__init__(extra={"reason": "NO_ACTIVE_DEVICE"})


class PlaybackProviderUnavailable(PlaybackError):
    kind = ErrorKind.UNAVAILABLE
    default_detail = f"{SPOTIFY} is temporarily unavailable. Please try again."
    default_code = "provider_unavailable"


class PlaybackProviderBadGateway(PlaybackError):
    kind = ErrorKind.BAD_UPSTREAM
    default_detail = f"{SPOTIFY} answered with an error. Please try again."
    default_code = "provider_bad_gateway"
