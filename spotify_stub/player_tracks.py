"""Tracks the stub player plays: our catalog's when it knows the id, else synthesised deterministically from it."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import DatabaseError

CONTEXT_LIMIT = 50

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_WORDS_A = ["Midnight", "Golden", "Electric", "Silent", "Neon", "Paper", "Velvet", "Crystal", "Wild", "Lunar"]
_WORDS_B = ["Echo", "Highway", "Garden", "Signal", "Tide", "Parade", "Dream", "Machine", "Horizon", "Static"]


def _digest(*parts: str) -> bytes:
    return hashlib.sha256(":".join(parts).encode()).digest()


def base62_id(*parts: str) -> str:
    number = int.from_bytes(_digest(*parts), "big")
    chars = []
    for _ in range(22):
        number, index = divmod(number, 62)
        chars.append(_BASE62[index])
    return "".join(chars)


def _images(items: Any) -> list[dict]:
    """Spotify image objects from URL strings or {"url": ...} objects."""
    urls = [item.get("url") if isinstance(item, dict) else item for item in (items if isinstance(items, list) else [])]
    return [{"url": url, "height": None, "width": None} for url in urls if isinstance(url, str) and url]


def _simple(kind: str, spotify_id: str, name: str, **extra: Any) -> dict:
    return {
        "id": spotify_id,
        "uri": f"spotify:{kind}:{spotify_id}",
        "name": name,
        "type": kind,
        "href": f"https://api.spotify.com/v1/{kind}s/{spotify_id}",
        "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{spotify_id}"},
        **extra,
    }


def synthetic_track(track_id: str) -> dict:
    digest = _digest("track", track_id)
    name = f"{_WORDS_A[digest[0] % 10]} {_WORDS_B[digest[1] % 10]}"
    artist_id = base62_id("artist", track_id)
    album_id = base62_id("album", track_id)
    artist = _simple("artist", artist_id, f"Stub Artist {artist_id[:4]}")
    album = _simple(
        "album",
        album_id,
        f"{_WORDS_B[digest[2] % 10]}s",
        album_type="album",
        artists=[artist],
        images=_images([f"https://picsum.photos/seed/{album_id}/640/640"]),
        release_date="2020-01-01",
    )
    return _simple(
        "track",
        track_id,
        name,
        duration_ms=150_000 + int.from_bytes(digest[3:6], "big") % 120_000,
        album=album,
        artists=[artist],
        explicit=False,
        track_number=1 + digest[6] % 12,
        disc_number=1,
        is_local=False,
        popularity=digest[7] % 100,
    )


def _catalog_tracks(**filters: Any) -> list:
    """Our catalog's tracks matching `filters`, or [] when the database cannot be used here."""
    from catalog.models import Track  # noqa: PLC0415 - the stub also runs without Django apps loaded

    try:
        queryset = Track.objects.filter(**filters).select_related("album").prefetch_related("artists", "album__artists")
        return list(queryset.order_by("album_id", "disc_number", "track_number", "id").distinct()[:CONTEXT_LIMIT])
    except (DatabaseError, RuntimeError):  # RuntimeError: a test without database access
        return []


def _track_from_model(track) -> dict:
    artists = list(track.artists.all()) or (list(track.album.artists.all()) if track.album else [])
    artist_objects = [_simple("artist", artist.spotify_id, artist.name) for artist in artists]
    album = None
    if track.album:
        album = _simple(
            "album",
            track.album.spotify_id,
            track.album.name,
            album_type=track.album.album_type.lower(),
            artists=[_simple("artist", a.spotify_id, a.name) for a in track.album.artists.all()],
            images=_images(track.album.images)
            or _images((track.album.spotify_data or {}).get("images"))
            or synthetic_track(track.spotify_id)["album"]["images"],
            release_date=track.album.release_date.isoformat() if track.album.release_date else None,
        )
    return _simple(
        "track",
        track.spotify_id,
        track.name,
        duration_ms=track.duration_ms or synthetic_track(track.spotify_id)["duration_ms"],
        album=album or synthetic_track(track.spotify_id)["album"],
        artists=artist_objects or synthetic_track(track.spotify_id)["artists"],
        explicit=track.explicit,
        track_number=track.track_number,
        disc_number=track.disc_number,
        is_local=False,
        popularity=track.popularity or 0,
    )


def track_object(track_id: str) -> dict:
    found = _catalog_tracks(spotify_id=track_id)
    return _track_from_model(found[0]) if found else synthetic_track(track_id)


def context_tracks(kind: str, context_id: str) -> list[dict]:
    if kind == "album":
        found = _catalog_tracks(album__spotify_id=context_id)
    elif kind == "artist":
        found = _catalog_tracks(artists__spotify_id=context_id) or _catalog_tracks(
            album__artists__spotify_id=context_id
        )
    else:
        found = []
    if found:
        return [_track_from_model(track) for track in found]
    return [synthetic_track(base62_id(kind, context_id, str(index))) for index in range(8)]
