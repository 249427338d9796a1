"""Spotify player adapter: the user's devices and playback, through spotipy.

Every call goes through `spotify_thread_session()` (answered in-process by spotify_stub in stub
mode), without retries and with `SPOTIFY_REQUEST_TIMEOUT_SECONDS`. Failures become the shared
`integrations.spotify.errors` exceptions; Spotify's refusals of a player command (no active device,
premium required, restriction violated) become `SpotifyPlayerCommandRefused`, carrying Spotify's
message and reason. Docs: https://developer.spotify.com/documentation/web-api/reference/get-information-about-the-users-current-playback
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import requests
import spotipy

from integrations.spotify.errors import (
    SpotifyAuthError,
    SpotifyBadGateway,
    SpotifyBadRequest,
    SpotifyError,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from integrations.spotify.http import SpotifyUserSession
from integrations.spotify.player_state import PlaybackDevice, PlaybackState, device_from_payload, state_from_payload
from integrations.spotify.tokens import retry_after_seconds
from integrations.spotify.tokens import spotify_access_token_refresh as spotify_access_token_refresh  # its old home

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Spotify's reason when a command names no device and none is active.
NO_ACTIVE_DEVICE = "NO_ACTIVE_DEVICE"


class SpotifyPlayerCommandRefused(SpotifyBadRequest):
    """Spotify refused a player command (403/404/400), e.g. no active device or premium required."""

    def __init__(self, message: str, *, status_code: int, reason: str | None = None):
        super().__init__(message, status_code=status_code)
        self.spotify_message = message  # "" when Spotify gave none (`message` then falls back to the docstring)
        self.reason = reason


class SpotifyPlayerClient(SpotifyUserSession):
    """The Web API player endpoints for one user's access token."""

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
        return state_from_payload(payload)

    def get_devices(self) -> list[PlaybackDevice]:
        """The user's available Spotify Connect devices.

        https://developer.spotify.com/documentation/web-api/reference/get-a-users-available-devices
        """
        payload = self._call(self._spotify.devices, idle_on_404=True)
        if payload is None:
            return []
        if not isinstance(payload, dict) or not isinstance(payload.get("devices"), list):
            raise SpotifyBadGateway("Spotify sent a device list we cannot read.")
        return [device_from_payload(item) for item in payload["devices"] if isinstance(item, dict)]

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
        return SpotifyRateLimited("Spotify is rate limiting us.", retry_after=retry_after_seconds(exc.headers))
    if status in (400, 403, 404):
        return SpotifyPlayerCommandRefused(message, status_code=status, reason=exc.reason)
    if status is not None and status >= 500:
        return SpotifyUnavailable(f"Spotify answered {status}.", status_code=status)
    return SpotifyBadGateway(f"Unexpected answer from Spotify ({status}).")
