"""Provider-neutral playback values and the surface every streaming provider implements.

Adapters (integrations/spotify/player.py, and any later one) return these dataclasses, the
playback services pass them on, and the playback serializers render them. Nothing here talks to a
provider or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from django.contrib.auth.models import AbstractBaseUser
from rest_framework import status
from rest_framework.exceptions import APIException

REPEAT_STATES = ("track", "context", "off")


@dataclass(frozen=True)
class PlaybackArtist:
    id: str
    uri: str
    name: str


@dataclass(frozen=True)
class PlaybackAlbum:
    id: str
    uri: str
    name: str
    artwork_url: str | None = None


@dataclass(frozen=True)
class PlaybackTrack:
    id: str
    uri: str
    name: str
    duration_ms: int
    album: PlaybackAlbum | None = None
    artists: list[PlaybackArtist] = field(default_factory=list)

    @property
    def artwork_url(self) -> str | None:
        return self.album.artwork_url if self.album else None


@dataclass(frozen=True)
class PlaybackDevice:
    id: str | None
    name: str
    type: str
    volume_percent: int | None
    is_active: bool
    is_restricted: bool = False
    supports_volume: bool = True


@dataclass(frozen=True)
class PlaybackState:
    """What a provider reports about the user's player at `updated_at` (our clock)."""

    provider: str
    is_playing: bool
    progress_ms: int
    updated_at: datetime
    track: PlaybackTrack | None = None
    device: PlaybackDevice | None = None
    shuffle_state: bool | None = None
    repeat_state: str | None = None
    context_uri: str | None = None


class PlaybackError(APIException):
    """A playback request that cannot be served; the body is `{"detail", "code"[, "reason"]}`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Playback request failed."
    default_code = "playback_failed"

    def __init__(self, detail: str | None = None, *, reason: str | None = None):
        body = {"detail": detail or str(self.default_detail), "code": self.default_code}
        if reason:
            body["reason"] = reason
        super().__init__(body)
        self.message = body["detail"]
        self.reason = reason


class PlaybackAccountNotLinked(PlaybackError):
    default_detail = "Link a streaming account to control playback."
    default_code = "account_not_linked"


class PlaybackProviderUnsupported(PlaybackError):
    default_code = "provider_not_supported"

    def __init__(self, provider: str):
        super().__init__(f"Provider '{provider}' is not supported.")


class PlaybackProviderNotLinked(PlaybackError):
    default_code = "provider_not_linked"

    def __init__(self, display_name: str):
        super().__init__(f"Link your {display_name} account to control playback.")


class PlaybackAuthExpired(PlaybackError):
    default_code = "reauthentication_required"

    def __init__(self, display_name: str):
        super().__init__(f"{display_name} authentication expired. Please reconnect your account.")


class PlaybackRefreshTokenMissing(PlaybackError):
    default_code = "refresh_token_missing"

    def __init__(self, display_name: str):
        super().__init__(f"{display_name} authentication is missing a refresh token.")


class PlaybackCommandRefused(PlaybackError):
    """The provider refused the command; its own message and reason are passed on."""

    default_detail = "Spotify playback request failed."
    default_code = "provider_refused"


class PlaybackProviderUnavailable(PlaybackError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "provider_unavailable"

    def __init__(self, display_name: str, *, retry_after: float | None = None):
        super().__init__(f"{display_name} is temporarily unavailable. Please try again.")
        # DRF's exception handler turns `wait` into a Retry-After header.
        self.wait = retry_after


class PlaybackProviderBadGateway(PlaybackError):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_code = "provider_bad_gateway"

    def __init__(self, display_name: str):
        super().__init__(f"{display_name} answered with an error. Please try again.")


@runtime_checkable
class PlaybackProvider(Protocol):
    """One streaming service Juke can control. Registered by `slug` in playback.services.providers.

    Every method acts on `user`'s own linked account only and raises playback.services.commands
    errors (or SpotifyError subclasses, which the services translate) on failure.
    """

    slug: str
    display_name: str

    def is_linked(self, *, user: AbstractBaseUser) -> bool: ...

    def uri_error(self, *, kind: str, uri: str) -> str | None:
        """None when `uri` is a valid `kind` ("track", "context" or "queue") URI for this provider."""
        ...

    def state_get(self, *, user: AbstractBaseUser) -> PlaybackState | None: ...

    def device_list(self, *, user: AbstractBaseUser) -> list[PlaybackDevice]: ...

    def play(
        self,
        *,
        user: AbstractBaseUser,
        device_id: str | None,
        track_uri: str | None,
        context_uri: str | None,
        position_ms: int | None,
    ) -> None: ...

    def pause(self, *, user: AbstractBaseUser, device_id: str | None) -> None: ...

    def next(self, *, user: AbstractBaseUser, device_id: str | None) -> None: ...

    def previous(self, *, user: AbstractBaseUser, device_id: str | None) -> None: ...

    def seek(self, *, user: AbstractBaseUser, device_id: str | None, position_ms: int) -> None: ...

    def volume_set(self, *, user: AbstractBaseUser, device_id: str | None, volume_percent: int) -> None: ...

    def shuffle_set(self, *, user: AbstractBaseUser, device_id: str | None, state: bool) -> None: ...

    def repeat_set(self, *, user: AbstractBaseUser, device_id: str | None, state: str) -> None: ...

    def transfer(self, *, user: AbstractBaseUser, device_id: str, play: bool) -> None: ...

    def queue_add(self, *, user: AbstractBaseUser, device_id: str | None, uri: str) -> None: ...
