"""Spotify adapter for a user's listening library: recently played, top artists and tracks, saved tracks.

One user's access token per client; spotipy over `spotify_thread_session()` (the stub in stub mode), no
retries here (the periodic task comes back later) and `SPOTIFY_REQUEST_TIMEOUT_SECONDS` per call.
A 403 is a missing scope (`SpotifyScopeMissing`): the user granted Juke less than these endpoints need.
Docs: https://developer.spotify.com/documentation/web-api/reference/get-recently-played
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

import requests
import spotipy

from integrations.spotify.catalog import SpotifyArtist, SpotifyTrack, parse_artist, parse_track
from integrations.spotify.errors import (
    SpotifyAuthError,
    SpotifyBadGateway,
    SpotifyBadRequest,
    SpotifyError,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from integrations.spotify.http import SpotifyUserSession

T = TypeVar("T")
TimeRange = Literal["short_term", "medium_term", "long_term"]
LIBRARY_SCOPES = ("user-read-recently-played", "user-top-read", "user-library-read")


class SpotifyScopeMissing(SpotifyAuthError):
    """The user's grant lacks a scope this endpoint needs (403): they must link Spotify again."""

    status_code = 403


@dataclass(frozen=True)
class SpotifyPlay:
    """One item of recently played: the track and when it finished playing (`played_at`, UTC)."""

    played_at: datetime
    track: SpotifyTrack


@dataclass(frozen=True)
class SpotifyRecentlyPlayed:
    """A page of plays, newest first; `after_ms` is the cursor for the next poll (None when empty)."""

    plays: list[SpotifyPlay]
    after_ms: int | None


@dataclass(frozen=True)
class SpotifySavedTrack:
    added_at: datetime
    track: SpotifyTrack


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class SpotifyLibraryClient(SpotifyUserSession):
    """The Web API library endpoints for one user's access token."""

    def get_recently_played(self, *, after_ms: int | None = None, limit: int = 50) -> SpotifyRecentlyPlayed:
        """Tracks played after `after_ms` (Unix ms), newest first; at most 50 (Spotify keeps about 50).

        https://developer.spotify.com/documentation/web-api/reference/get-recently-played
        """
        return self._call(self._spotify.current_user_recently_played, _recently_played, limit=limit, after=after_ms)

    def get_top_tracks(self, *, time_range: TimeRange = "medium_term", limit: int = 50) -> list[SpotifyTrack]:
        """https://developer.spotify.com/documentation/web-api/reference/get-users-top-artists-and-tracks"""
        return self._call(
            self._spotify.current_user_top_tracks, _items(parse_track), limit=limit, time_range=time_range
        )

    def get_top_artists(self, *, time_range: TimeRange = "medium_term", limit: int = 50) -> list[SpotifyArtist]:
        """https://developer.spotify.com/documentation/web-api/reference/get-users-top-artists-and-tracks"""
        return self._call(
            self._spotify.current_user_top_artists, _items(parse_artist), limit=limit, time_range=time_range
        )

    def get_saved_tracks(self, *, max_items: int = 500) -> list[SpotifySavedTrack]:
        """The user's saved tracks, newest first, following pages up to `max_items`.

        https://developer.spotify.com/documentation/web-api/reference/get-users-saved-tracks
        """
        saved: list[SpotifySavedTrack] = []
        offset = 0
        while len(saved) < max_items:
            page, has_next, count = self._call(
                self._spotify.current_user_saved_tracks, _saved_tracks, limit=50, offset=offset
            )
            saved += page
            if not has_next or not count:
                break
            offset += count
        return saved[:max_items]

    def _call(self, method: Callable[..., Any], parse: Callable[[dict], T], **kwargs: Any) -> T:
        try:
            return parse(method(**kwargs) or {})
        except spotipy.SpotifyException as exc:
            raise _error_from(exc) from exc
        except requests.Timeout as exc:
            raise SpotifyUnavailable("Spotify did not answer in time.") from exc
        except requests.RequestException as exc:
            raise SpotifyUnavailable("Spotify could not be reached.") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise SpotifyBadGateway("Spotify answered with a payload we cannot read.") from exc


# Payloads: recently played is {items: [{track, played_at}], cursors: {after, before}|null, next};
# saved tracks are {items: [{added_at, track}], next, total}; top items are {items: [artist|track]}.


def _has_track(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("track"), dict) and bool(item["track"].get("id"))


def _recently_played(payload: dict) -> SpotifyRecentlyPlayed:
    plays = [
        SpotifyPlay(played_at=_parse_time(item["played_at"]), track=parse_track(item["track"]))
        for item in payload.get("items") or []
        if _has_track(item)
    ]
    after = (payload.get("cursors") or {}).get("after")
    return SpotifyRecentlyPlayed(plays=plays, after_ms=int(after) if after else None)


def _saved_tracks(payload: dict) -> tuple[list[SpotifySavedTrack], bool, int]:
    items = payload.get("items") or []
    saved = [
        SpotifySavedTrack(added_at=_parse_time(item["added_at"]), track=parse_track(item["track"]))
        for item in items
        if _has_track(item)
    ]
    return saved, bool(payload.get("next")), len(items)


def _items(parse: Callable[[dict], T]) -> Callable[[dict], list[T]]:
    return lambda payload: [parse(item) for item in payload.get("items") or [] if item and item.get("id")]


def _retry_after(headers) -> float | None:
    try:
        return float(headers.get("Retry-After")) if headers and headers.get("Retry-After") else None
    except (TypeError, ValueError):
        return None


def _error_from(exc: spotipy.SpotifyException) -> SpotifyError:
    status = exc.http_status
    message = str(exc.msg or "").split("\n", 1)[-1].strip() or "Spotify error"
    if status == 401:
        return SpotifyAuthError(message, status_code=401)
    if status == 403:
        return SpotifyScopeMissing(message)
    if status == 429:
        return SpotifyRateLimited("Spotify is rate limiting us.", retry_after=_retry_after(exc.headers))
    if status is not None and 400 <= status < 500:
        return SpotifyBadRequest(message, status_code=status)
    if status is not None and status >= 500:
        return SpotifyUnavailable(f"Spotify answered {status}.", status_code=status)
    return SpotifyBadGateway(f"Unexpected answer from Spotify ({status}).")
