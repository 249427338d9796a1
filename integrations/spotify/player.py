"""Spotify player adapter: the user's devices and playback, through spotipy, plus the token refresh grant.

Every call goes through `spotify_http_session()` (answered in-process by spotify_stub in stub
mode), without retries and with `SPOTIFY_REQUEST_TIMEOUT_SECONDS`. Failures become the shared
`integrations.spotify.errors` exceptions; Spotify's refusals of a player command (no active device,
premium required, restriction violated) become `SpotifyPlayerCommandRefused`, carrying Spotify's
message and reason. Docs: https://developer.spotify.com/documentation/web-api/reference/get-information-about-the-users-current-playback
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import requests
import spotipy
from django.conf import settings
from django.utils import timezone

from integrations.spotify.errors import (
    SpotifyAuthError,
    SpotifyBadGateway,
    SpotifyBadRequest,
    SpotifyError,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from integrations.spotify.http import SPOTIFY_ACCOUNTS_ORIGIN, spotify_http_session
from playback.types import (
    PlaybackAlbum,
    PlaybackArtist,
    PlaybackDevice,
    PlaybackState,
    PlaybackTrack,
)

logger = logging.getLogger(__name__)

SPOTIFY_TOKEN_URL = f"{SPOTIFY_ACCOUNTS_ORIGIN}api/token"
T = TypeVar("T")


class SpotifyPlayerCommandRefused(SpotifyBadRequest):
    """Spotify refused a player command (403/404/400), e.g. no active device or premium required."""

    def __init__(self, message: str, *, status_code: int, reason: str | None = None):
        super().__init__(message, status_code=status_code)
        self.spotify_message = message  # "" when Spotify gave none (`message` then falls back to the docstring)
        self.reason = reason


@dataclass(frozen=True)
class SpotifyTokenGrant:
    """Spotify's answer to a refresh_token grant; `refresh_token` only when Spotify rotated it."""

    access_token: str
    token_type: str
    expires_in: int | None
    refresh_token: str | None
    scope: str | None


def spotify_access_token_refresh(*, refresh_token: str) -> SpotifyTokenGrant:
    """Exchange a refresh token for a new access token (accounts service, refresh_token grant).

    Calls Spotify. Raises SpotifyAuthError when Spotify refuses the refresh token.
    https://developer.spotify.com/documentation/web-api/tutorials/refreshing-tokens
    """
    session = spotify_http_session()
    try:
        response = session.post(
            SPOTIFY_TOKEN_URL,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(settings.SOCIAL_AUTH_SPOTIFY_KEY, settings.SOCIAL_AUTH_SPOTIFY_SECRET),
            timeout=settings.SPOTIFY_REQUEST_TIMEOUT_SECONDS,
        )
    except requests.Timeout as exc:
        raise SpotifyUnavailable("Spotify did not answer in time.") from exc
    except requests.RequestException as exc:
        raise SpotifyUnavailable("Spotify could not be reached.") from exc
    finally:
        session.close()

    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.status_code == 200 and isinstance(payload, dict) and payload.get("access_token"):
        expires_in = payload.get("expires_in")
        return SpotifyTokenGrant(
            access_token=str(payload["access_token"]),
            token_type=str(payload.get("token_type") or "Bearer"),
            expires_in=int(expires_in) if isinstance(expires_in, int | float) else None,
            refresh_token=payload.get("refresh_token") or None,
            scope=payload.get("scope"),
        )
    description = ""
    if isinstance(payload, dict):
        description = str(payload.get("error_description") or payload.get("error") or "")
    if response.status_code in (400, 401, 403):
        raise SpotifyAuthError(description or "Spotify refused the refresh token.", status_code=response.status_code)
    if response.status_code == 429:
        raise SpotifyRateLimited("Spotify is rate limiting us.", retry_after=_retry_after(response.headers))
    if response.status_code >= 500:
        raise SpotifyUnavailable(f"Spotify answered {response.status_code}.", status_code=response.status_code)
    raise SpotifyBadGateway(f"Unexpected answer from Spotify's token endpoint ({response.status_code}).")


class SpotifyPlayerClient:
    """The Web API player endpoints for one user's access token."""

    def __init__(self, *, access_token: str):
        self._session = spotify_http_session()
        self._spotify = spotipy.Spotify(
            auth=access_token,
            requests_session=self._session,
            retries=0,
            status_retries=0,
            requests_timeout=settings.SPOTIFY_REQUEST_TIMEOUT_SECONDS,
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SpotifyPlayerClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # Reads ------------------------------------------------------------------------------------

    def get_playback_state(self) -> PlaybackState | None:
        """The user's current playback, or None when nothing is playing (204, or 404 no device).

        https://developer.spotify.com/documentation/web-api/reference/get-information-about-the-users-current-playback
        """
        payload = self._call(self._spotify.current_playback, additional_types="track,episode", idle_on_404=True)
        if payload is None:
            return None
        if not isinstance(payload, dict):
            raise SpotifyBadGateway("Spotify sent a playback state we cannot read.")
        return _state_from_payload(payload)

    def get_devices(self) -> list[PlaybackDevice]:
        """The user's available Spotify Connect devices.

        https://developer.spotify.com/documentation/web-api/reference/get-a-users-available-devices
        """
        payload = self._call(self._spotify.devices, idle_on_404=True)
        if payload is None:
            return []
        if not isinstance(payload, dict) or not isinstance(payload.get("devices"), list):
            raise SpotifyBadGateway("Spotify sent a device list we cannot read.")
        return [_device_from_payload(item) for item in payload["devices"] if isinstance(item, dict)]

    # Commands ---------------------------------------------------------------------------------

    def start_playback(
        self,
        *,
        device_id: str | None = None,
        track_uri: str | None = None,
        context_uri: str | None = None,
        position_ms: int | None = None,
    ) -> None:
        """Play a track or a context (album, artist, playlist), or resume when neither is given.

        https://developer.spotify.com/documentation/web-api/reference/start-a-users-playback
        """
        self._call(
            self._spotify.start_playback,
            device_id=_device_param(device_id),
            uris=[track_uri] if track_uri else None,
            context_uri=None if track_uri else context_uri,
            position_ms=position_ms,
        )

    def pause_playback(self, *, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/pause-a-users-playback"""
        self._call(self._spotify.pause_playback, device_id=_device_param(device_id))

    def skip_to_next(self, *, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/skip-users-playback-to-next-track"""
        self._call(self._spotify.next_track, device_id=_device_param(device_id))

    def skip_to_previous(self, *, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/skip-users-playback-to-previous-track"""
        self._call(self._spotify.previous_track, device_id=_device_param(device_id))

    def seek(self, *, position_ms: int, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/seek-to-position-in-currently-playing-track"""
        self._call(self._spotify.seek_track, position_ms, device_id=_device_param(device_id))

    def set_volume(self, *, volume_percent: int, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/set-volume-for-users-playback"""
        self._call(self._spotify.volume, int(volume_percent), device_id=_device_param(device_id))

    def set_shuffle(self, *, state: bool, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/toggle-shuffle-for-users-playback"""
        self._call(self._spotify.shuffle, bool(state), device_id=_device_param(device_id))

    def set_repeat(self, *, state: str, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/set-repeat-mode-on-users-playback"""
        self._call(self._spotify.repeat, state, device_id=_device_param(device_id))

    def transfer_playback(self, *, device_id: str, play: bool) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/transfer-a-users-playback"""
        self._call(self._spotify.transfer_playback, device_id, force_play=play)

    def add_to_queue(self, *, uri: str, device_id: str | None = None) -> None:
        """https://developer.spotify.com/documentation/web-api/reference/add-to-queue"""
        self._call(self._spotify.add_to_queue, uri, device_id=_device_param(device_id))

    # Error mapping ----------------------------------------------------------------------------

    def _call(self, method: Callable[..., T], *args: Any, idle_on_404: bool = False, **kwargs: Any) -> T | None:
        try:
            return method(*args, **kwargs)
        except spotipy.SpotifyException as exc:
            if idle_on_404 and exc.http_status == 404:
                return None
            raise _error_from_spotify_exception(exc) from exc
        except requests.Timeout as exc:
            raise SpotifyUnavailable("Spotify did not answer in time.") from exc
        except requests.RequestException as exc:
            raise SpotifyUnavailable("Spotify could not be reached.") from exc


def _device_param(device_id: str | None) -> str | None:
    # spotipy pastes device_id into the URL as is.
    return quote(device_id, safe="") if device_id else None


def _retry_after(headers) -> float | None:
    try:
        return float(headers.get("Retry-After")) if headers and headers.get("Retry-After") else None
    except (TypeError, ValueError):
        return None


def _spotify_message(exc: spotipy.SpotifyException) -> str:
    # spotipy prefixes Spotify's message with "<url>:\n "; a missing message becomes "None".
    message = str(exc.msg or "")
    if ":\n " in message:
        message = message.split(":\n ", 1)[1]
    message = message.strip()
    return "" if message in ("None", "") else message


def _error_from_spotify_exception(exc: spotipy.SpotifyException) -> SpotifyError:
    status = exc.http_status
    message = _spotify_message(exc)
    if status == 401:
        return SpotifyAuthError(message or "Spotify refused the access token.", status_code=401)
    if status == 429:
        return SpotifyRateLimited("Spotify is rate limiting us.", retry_after=_retry_after(exc.headers))
    if status in (400, 403, 404):
        return SpotifyPlayerCommandRefused(message, status_code=status, reason=exc.reason)
    if status is not None and status >= 500:
        return SpotifyUnavailable(f"Spotify answered {status}.", status_code=status)
    return SpotifyBadGateway(f"Unexpected answer from Spotify ({status}).")


# Payload parsing ------------------------------------------------------------------------------
# Spotify's playback object: {device, repeat_state, shuffle_state, context: {uri}|null, timestamp,
# progress_ms|null, is_playing, item: track|episode|null, currently_playing_type}. A track has
# {id, uri, name, duration_ms, album: {id, uri, name, images: [{url, width, height}]}, artists: [...]};
# an episode has `show` (with images) instead of album and artists.


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _first_image_url(images: Any) -> str | None:
    if isinstance(images, list):
        for image in images:
            if isinstance(image, dict) and isinstance(image.get("url"), str) and image["url"]:
                return image["url"]
            if isinstance(image, str) and image:
                return image
    return None


def _track_from_payload(item: dict) -> PlaybackTrack:
    album_payload = item.get("album") if isinstance(item.get("album"), dict) else None
    show_payload = item.get("show") if isinstance(item.get("show"), dict) else None
    album = None
    if album_payload:
        album = PlaybackAlbum(
            id=_text(album_payload.get("id")),
            uri=_text(album_payload.get("uri")),
            name=_text(album_payload.get("name")),
            artwork_url=_first_image_url(album_payload.get("images")),
        )
    elif show_payload:
        album = PlaybackAlbum(
            id=_text(show_payload.get("id")),
            uri=_text(show_payload.get("uri")),
            name=_text(show_payload.get("name")),
            artwork_url=_first_image_url(show_payload.get("images")) or _first_image_url(item.get("images")),
        )
    artists = [
        PlaybackArtist(id=_text(artist.get("id")), uri=_text(artist.get("uri")), name=_text(artist.get("name")))
        for artist in item.get("artists") or []
        if isinstance(artist, dict)
    ]
    duration = item.get("duration_ms")
    return PlaybackTrack(
        id=_text(item.get("id")),
        uri=_text(item.get("uri")),
        name=_text(item.get("name")),
        duration_ms=int(duration) if isinstance(duration, int | float) else 0,
        album=album,
        artists=artists,
    )


def _device_from_payload(payload: dict) -> PlaybackDevice:
    volume = payload.get("volume_percent")
    return PlaybackDevice(
        id=payload.get("id") if isinstance(payload.get("id"), str) else None,
        name=_text(payload.get("name")),
        type=_text(payload.get("type")),
        volume_percent=int(volume) if isinstance(volume, int | float) else None,
        is_active=bool(payload.get("is_active")),
        is_restricted=bool(payload.get("is_restricted")),
        supports_volume=bool(payload.get("supports_volume", True)),
    )


def _state_from_payload(payload: dict) -> PlaybackState:
    item = payload.get("item") if isinstance(payload.get("item"), dict) else None
    device = payload.get("device") if isinstance(payload.get("device"), dict) else None
    context = payload.get("context") if isinstance(payload.get("context"), dict) else None
    progress = payload.get("progress_ms")
    repeat_state = payload.get("repeat_state")
    shuffle_state = payload.get("shuffle_state")
    return PlaybackState(
        provider="spotify",
        is_playing=bool(payload.get("is_playing")),
        progress_ms=int(progress) if isinstance(progress, int | float) and progress >= 0 else 0,
        updated_at=timezone.now(),
        track=_track_from_payload(item) if item else None,
        device=_device_from_payload(device) if device else None,
        shuffle_state=shuffle_state if isinstance(shuffle_state, bool) else None,
        repeat_state=repeat_state if isinstance(repeat_state, str) else None,
        context_uri=_text(context.get("uri")) or None if context else None,
    )
