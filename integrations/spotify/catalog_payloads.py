"""What the Spotify catalog adapter returns, and how it reads Spotify's payloads into it.

The dataclasses are the adapter's results (services never index raw JSON); the `parse_*` functions
are the only code that knows the shape of Spotify's artist, album, track and paging objects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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


PARSERS: dict[str, Callable[[dict], Any]] = {"artist": parse_artist, "album": parse_album, "track": parse_track}


def parse_page(payload: dict, parse: Callable[[dict], Any]) -> SpotifyPage:
    items = [parse(item) for item in payload.get("items") or [] if item and item.get("id")]
    return SpotifyPage(
        items=items,
        total=int(payload.get("total") or len(items)),
        limit=int(payload.get("limit") or len(items)),
        offset=int(payload.get("offset") or 0),
    )
