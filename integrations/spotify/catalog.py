"""Spotify catalog adapter: search, artists, albums, tracks, genre seeds and categories.

It wraps spotipy with app (client-credentials) auth. Every HTTP call goes through
`spotify_http_session()`, so stub mode (SPOTIFY_USE_STUB_DATA) runs this same code against the
in-process stub. spotipy's own retries are off: we retry here, with backoff, on 429 (honouring
`Retry-After`), 5xx, timeouts and connection errors, and map every failure to `integrations.spotify.errors`.
Results are small dataclasses; nothing outside this module reads Spotify's JSON.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import requests
import spotipy
from django.conf import settings
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOauthError

from integrations.spotify.errors import (
    SpotifyAuthError,
    SpotifyBadGateway,
    SpotifyBadRequest,
    SpotifyError,
    SpotifyNotFound,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from integrations.spotify.http import spotify_http_session

logger = logging.getLogger(__name__)

SearchKind = Literal["artist", "album", "track"]
# Longest pause we accept from a Retry-After header before giving up (a task retries later instead).
MAX_RETRY_AFTER_SECONDS = 30.0
# App tokens are shared by every client in the process (keyed by mode and client id), never written to disk.
_TOKEN_CACHES: dict[tuple[bool, str], MemoryCacheHandler] = {}


# --- Results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpotifyArtistRef:
    """A simplified artist, as embedded in albums and tracks (id, name, uri only)."""

    id: str
    name: str
    uri: str = ""


@dataclass(frozen=True)
class SpotifyArtist:
    """A full artist object: `images` are URL strings largest first, `followers` is followers.total."""

    id: str
    name: str
    uri: str
    genres: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    popularity: int | None = None
    followers: int | None = None


@dataclass(frozen=True)
class SpotifyAlbum:
    """An album; `release_date` is Spotify's raw string (YYYY, YYYY-MM or YYYY-MM-DD) with its precision.

    `tracks` is None for simplified albums (search results, an artist's albums, a track's album).
    """

    id: str
    name: str
    uri: str
    album_type: str = "album"
    total_tracks: int = 0
    release_date: str = ""
    release_date_precision: str = "day"
    images: list[str] = field(default_factory=list)
    artists: list[SpotifyArtistRef] = field(default_factory=list)
    tracks: list[SpotifyTrack] | None = None
    tracks_total: int | None = None


@dataclass(frozen=True)
class SpotifyTrack:
    """A track; `album` is None for the simplified tracks of an album's track list."""

    id: str
    name: str
    uri: str
    track_number: int = 1
    disc_number: int = 1
    duration_ms: int = 0
    explicit: bool = False
    popularity: int | None = None
    preview_url: str | None = None
    album: SpotifyAlbum | None = None
    artists: list[SpotifyArtistRef] = field(default_factory=list)


@dataclass(frozen=True)
class SpotifyCategory:
    id: str
    name: str


@dataclass(frozen=True)
class SpotifyPage:
    """One page of a Spotify paging object: `total` items exist, this page starts at `offset`."""

    items: list
    total: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


class SpotifyCatalogClient(Protocol):
    def search(self, *, kind: SearchKind, query: str, limit: int = 10, offset: int = 0) -> SpotifyPage: ...
    def get_artist(self, *, spotify_id: str) -> SpotifyArtist: ...
    def get_artists(self, *, spotify_ids: list[str]) -> list[SpotifyArtist]: ...
    def get_album(self, *, spotify_id: str) -> SpotifyAlbum: ...
    def get_albums(self, *, spotify_ids: list[str]) -> list[SpotifyAlbum]: ...
    def get_track(self, *, spotify_id: str) -> SpotifyTrack: ...
    def get_tracks(self, *, spotify_ids: list[str]) -> list[SpotifyTrack]: ...
    def get_artist_albums(self, *, spotify_id: str, limit: int = 50, offset: int = 0) -> SpotifyPage: ...
    def get_album_tracks(self, *, spotify_id: str, limit: int = 50, offset: int = 0) -> SpotifyPage: ...
    def get_genre_seeds(self) -> list[str]: ...
    def get_categories(self, *, limit: int = 50, offset: int = 0) -> SpotifyPage: ...
    def get_audio_features(self, *, spotify_ids: list[str]) -> list[dict | None]: ...


# --- Parsing (the only place that knows Spotify's payloads) ---------------------------------------


def _image_urls(images: Iterable[dict] | None) -> list[str]:
    urls = [(image.get("width") or 0, image["url"]) for image in images or [] if image and image.get("url")]
    return [url for _, url in sorted(urls, key=lambda pair: -pair[0])]


def _artist_ref(data: dict) -> SpotifyArtistRef:
    return SpotifyArtistRef(id=data["id"], name=data.get("name") or "", uri=data.get("uri") or "")


def parse_artist(data: dict) -> SpotifyArtist:
    return SpotifyArtist(
        id=data["id"],
        name=data.get("name") or "",
        uri=data.get("uri") or f"spotify:artist:{data['id']}",
        genres=list(data.get("genres") or []),
        images=_image_urls(data.get("images")),
        popularity=data.get("popularity"),
        followers=(data.get("followers") or {}).get("total"),
    )


def parse_album(data: dict) -> SpotifyAlbum:
    tracks_page = data.get("tracks")
    tracks = None
    tracks_total = None
    if isinstance(tracks_page, dict):
        tracks = [parse_track(item) for item in tracks_page.get("items") or [] if item and item.get("id")]
        tracks_total = tracks_page.get("total")
    return SpotifyAlbum(
        id=data["id"],
        name=data.get("name") or "",
        uri=data.get("uri") or f"spotify:album:{data['id']}",
        album_type=(data.get("album_type") or "album"),
        total_tracks=data.get("total_tracks") or 0,
        release_date=data.get("release_date") or "",
        release_date_precision=data.get("release_date_precision") or "day",
        images=_image_urls(data.get("images")),
        artists=[_artist_ref(artist) for artist in data.get("artists") or [] if artist and artist.get("id")],
        tracks=tracks,
        tracks_total=tracks_total,
    )


def parse_track(data: dict) -> SpotifyTrack:
    album = data.get("album")
    return SpotifyTrack(
        id=data["id"],
        name=data.get("name") or "",
        uri=data.get("uri") or f"spotify:track:{data['id']}",
        track_number=data.get("track_number") or 1,
        disc_number=data.get("disc_number") or 1,
        duration_ms=data.get("duration_ms") or 0,
        explicit=bool(data.get("explicit")),
        popularity=data.get("popularity"),
        preview_url=data.get("preview_url"),
        album=parse_album(album) if isinstance(album, dict) and album.get("id") else None,
        artists=[_artist_ref(artist) for artist in data.get("artists") or [] if artist and artist.get("id")],
    )


_PARSERS: dict[str, Callable[[dict], Any]] = {"artist": parse_artist, "album": parse_album, "track": parse_track}


def _page(payload: dict, parse: Callable[[dict], Any]) -> SpotifyPage:
    items = [parse(item) for item in payload.get("items") or [] if item and item.get("id")]
    return SpotifyPage(
        items=items,
        total=int(payload.get("total") or len(items)),
        limit=int(payload.get("limit") or len(items)),
        offset=int(payload.get("offset") or 0),
    )


# --- The client ----------------------------------------------------------------------------------


class SpotipyCatalogClient:
    """Spotify catalog calls with app credentials, timeouts, retries and error mapping."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        backoff_seconds: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.timeout = timeout if timeout is not None else settings.SPOTIFY_REQUEST_TIMEOUT_SECONDS
        self.max_retries = max_retries if max_retries is not None else settings.SPOTIFY_MAX_RETRIES
        self.backoff_seconds = (
            backoff_seconds if backoff_seconds is not None else settings.SPOTIFY_RETRY_BACKOFF_SECONDS
        )
        self._sleep = sleep
        session = spotify_http_session()
        client_id = settings.SOCIAL_AUTH_SPOTIFY_KEY or "missing-client-id"
        token_cache = _TOKEN_CACHES.setdefault((bool(settings.SPOTIFY_USE_STUB_DATA), client_id), MemoryCacheHandler())
        credentials = SpotifyClientCredentials(
            client_id=client_id,
            client_secret=settings.SOCIAL_AUTH_SPOTIFY_SECRET or "missing-client-secret",
            requests_session=session,
            requests_timeout=self.timeout,
            cache_handler=token_cache,
        )
        self._spotify = spotipy.Spotify(
            client_credentials_manager=credentials,
            requests_session=session,
            requests_timeout=self.timeout,
            retries=0,
            status_retries=0,
            backoff_factor=0,
        )

    # Retry and error mapping ----------------------------------------------------------------------

    def _call(self, operation: str, function: Callable[..., Any], *args, parse=None, **kwargs) -> Any:
        """Call spotipy with retries; `parse` turns the payload into our dataclasses (bad payloads -> 502)."""
        attempt = 0
        while True:
            try:
                payload = function(*args, **kwargs)
                if payload is None or not isinstance(payload, dict):
                    raise ValueError("empty or non-object payload")
                return parse(payload) if parse else payload
            except spotipy.SpotifyException as exc:
                error = _map_spotify_exception(exc)
            except SpotifyOauthError as exc:
                error = SpotifyAuthError(f"Spotify refused our app credentials: {exc}")
            except requests.Timeout:
                error = SpotifyUnavailable("Spotify did not answer in time.")
            except requests.ConnectionError:
                error = SpotifyUnavailable("Spotify cannot be reached.")
            except (ValueError, KeyError, TypeError) as exc:  # malformed JSON or payload
                error = SpotifyBadGateway(f"Spotify sent an unexpected answer: {exc}")
            if not isinstance(error, SpotifyRateLimited | SpotifyUnavailable) or attempt >= self.max_retries:
                logger.warning("Spotify %s failed after %d attempt(s): %s", operation, attempt + 1, error.message)
                raise error
            delay = self._delay(error, attempt)
            if delay is None:
                raise error
            attempt += 1
            logger.info("Spotify %s: %s; retry %d in %.2fs", operation, error.message, attempt, delay)
            self._sleep(delay)

    def _delay(self, error: SpotifyError, attempt: int) -> float | None:
        if isinstance(error, SpotifyRateLimited) and error.retry_after is not None:
            return None if error.retry_after > MAX_RETRY_AFTER_SECONDS else error.retry_after
        base = self.backoff_seconds * (2**attempt)
        return base + random.uniform(0, base / 2) if base else 0.0  # noqa: S311 - jitter, not crypto

    # Operations (https://developer.spotify.com/documentation/web-api/reference) -------------------

    def search(self, *, kind: SearchKind, query: str, limit: int = 10, offset: int = 0) -> SpotifyPage:
        """Search Spotify for artists, albums or tracks (GET /v1/search)."""
        return self._call(
            "search",
            self._spotify.search,
            q=query,
            type=kind,
            limit=limit,
            offset=offset,
            parse=lambda payload: _page(payload.get(f"{kind}s") or {}, _PARSERS[kind]),
        )

    def get_artist(self, *, spotify_id: str) -> SpotifyArtist:
        """One artist with genres, images, followers and popularity (GET /v1/artists/{id})."""
        return self._call("artist", self._spotify.artist, spotify_id, parse=parse_artist)

    def get_artists(self, *, spotify_ids: list[str]) -> list[SpotifyArtist]:
        """Several artists, 50 per request (GET /v1/artists?ids=); unknown ids are left out."""
        results = []
        for chunk in _chunks(spotify_ids, 50):
            results += self._call(
                "artists",
                self._spotify.artists,
                chunk,
                parse=lambda payload: [parse_artist(item) for item in payload.get("artists") or [] if item],
            )
        return results

    def get_album(self, *, spotify_id: str) -> SpotifyAlbum:
        """One album with its first page of tracks (GET /v1/albums/{id})."""
        return self._call("album", self._spotify.album, spotify_id, parse=parse_album)

    def get_albums(self, *, spotify_ids: list[str]) -> list[SpotifyAlbum]:
        """Several albums, 20 per request (GET /v1/albums?ids=); unknown ids are left out."""
        results = []
        for chunk in _chunks(spotify_ids, 20):
            results += self._call(
                "albums",
                self._spotify.albums,
                chunk,
                parse=lambda payload: [parse_album(item) for item in payload.get("albums") or [] if item],
            )
        return results

    def get_track(self, *, spotify_id: str) -> SpotifyTrack:
        """One track with its album and artists (GET /v1/tracks/{id})."""
        return self._call("track", self._spotify.track, spotify_id, parse=parse_track)

    def get_tracks(self, *, spotify_ids: list[str]) -> list[SpotifyTrack]:
        """Several tracks, 50 per request (GET /v1/tracks?ids=); unknown ids are left out."""
        results = []
        for chunk in _chunks(spotify_ids, 50):
            results += self._call(
                "tracks",
                self._spotify.tracks,
                chunk,
                parse=lambda payload: [parse_track(item) for item in payload.get("tracks") or [] if item],
            )
        return results

    def get_artist_albums(self, *, spotify_id: str, limit: int = 50, offset: int = 0) -> SpotifyPage:
        """One page of an artist's albums and singles (GET /v1/artists/{id}/albums)."""
        return self._call(
            "artist albums",
            self._spotify.artist_albums,
            spotify_id,
            include_groups="album,single,compilation",
            limit=limit,
            offset=offset,
            parse=lambda payload: _page(payload, parse_album),
        )

    def get_album_tracks(self, *, spotify_id: str, limit: int = 50, offset: int = 0) -> SpotifyPage:
        """One page of an album's (simplified) tracks (GET /v1/albums/{id}/tracks)."""
        return self._call(
            "album tracks",
            self._spotify.album_tracks,
            spotify_id,
            limit=limit,
            offset=offset,
            parse=lambda payload: _page(payload, parse_track),
        )

    def get_genre_seeds(self) -> list[str]:
        """Spotify's genre seed names (GET /v1/recommendations/available-genre-seeds)."""
        return self._call(
            "genre seeds",
            self._spotify.recommendation_genre_seeds,
            parse=lambda payload: [str(name) for name in payload.get("genres") or [] if name],
        )

    def get_categories(self, *, limit: int = 50, offset: int = 0) -> SpotifyPage:
        """One page of browse categories (GET /v1/browse/categories)."""

        def parse(payload: dict) -> SpotifyPage:
            page = payload.get("categories") or {}
            items = [
                SpotifyCategory(id=item["id"], name=item.get("name") or item["id"]) for item in page.get("items") or []
            ]
            return SpotifyPage(items=items, total=int(page.get("total") or len(items)), limit=limit, offset=offset)

        return self._call("categories", self._spotify.categories, limit=limit, offset=offset, parse=parse)

    def get_audio_features(self, *, spotify_ids: list[str]) -> list[dict | None]:
        """Audio features of several tracks in order, None where Spotify has none (GET /v1/audio-features?ids=).

        Spotify answers 403 (SpotifyAuthError) to apps created after 2024-11-27: the endpoint is deprecated.
        """
        results: list[dict | None] = []
        for chunk in _chunks(spotify_ids, 100):
            results += self._call(
                "audio features",
                # spotipy unwraps the "audio_features" list; wrap it again so _call sees an object.
                lambda ids: {"audio_features": self._spotify.audio_features(ids)},
                chunk,
                parse=lambda payload: [item if isinstance(item, dict) else None for item in payload["audio_features"]],
            )
        return results


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _retry_after(headers) -> float | None:
    try:
        value = (headers or {}).get("Retry-After")
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _map_spotify_exception(exc: spotipy.SpotifyException) -> SpotifyError:
    status = exc.http_status
    # spotipy formats msg as "<url>:\n <Spotify's message>".
    message = str(exc.msg or "").split("\n", 1)[-1].strip() or "Spotify error"
    if status == 429:
        return SpotifyRateLimited(
            "Spotify is rate limiting us.", status_code=429, retry_after=_retry_after(exc.headers)
        )
    if status == 404:
        return SpotifyNotFound(message, status_code=404)
    if status in (401, 403):
        return SpotifyAuthError(message, status_code=status)
    if status is not None and 400 <= status < 500:
        return SpotifyBadRequest(message, status_code=status)
    if status is not None and status in (500, 502, 503, 504):
        return SpotifyUnavailable(f"Spotify answered {status}.", status_code=status)
    return SpotifyBadGateway(f"Spotify answered {status}: {message}", status_code=status)


def get_spotify_catalog_client() -> SpotifyCatalogClient:
    """The catalog client services use (the one seam tests and callers swap)."""
    return SpotipyCatalogClient()
