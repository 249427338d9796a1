"""A user's Spotify player as Juke sees it: small dataclasses, and how they are read from Spotify's payloads.

The playback app renders these; nothing here talks to Spotify or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

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
    """What Spotify reports about the user's player at `updated_at` (our clock)."""

    provider: str
    is_playing: bool
    progress_ms: int
    updated_at: datetime
    track: PlaybackTrack | None = None
    device: PlaybackDevice | None = None
    shuffle_state: bool | None = None
    repeat_state: str | None = None
    context_uri: str | None = None


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


def device_from_payload(payload: dict) -> PlaybackDevice:
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


def state_from_payload(payload: dict) -> PlaybackState:
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
        device=device_from_payload(device) if device else None,
        shuffle_state=shuffle_state if isinstance(shuffle_state, bool) else None,
        repeat_state=repeat_state if isinstance(repeat_state, str) else None,
        context_uri=_text(context.get("uri")) or None if context else None,
    )
