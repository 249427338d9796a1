"""External (Spotify-backed) catalog reads: search or fetch on Spotify, store what we find, return our rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from catalog.errors import SearchQueryMissing
from catalog.models import Album, Artist, CatalogItem, Track
from catalog.selectors import items_by_spotify_ids
from catalog.services.ingest import albums_upsert, artists_upsert, tracks_upsert
from integrations.spotify.catalog import SearchKind, SpotifyCatalogClient, get_spotify_catalog_client

KINDS: dict[type[CatalogItem], SearchKind] = {Artist: "artist", Album: "album", Track: "track"}


@dataclass
class ExternalPage:
    items: list
    total: int
    limit: int
    offset: int


def external_search(
    *, model: type[CatalogItem], query: str, limit: int, offset: int, client: SpotifyCatalogClient | None = None
) -> ExternalPage:
    """Search Spotify for artists, albums or tracks and upsert the results (calls Spotify, writes rows).

    Raises SearchQueryMissing for a blank query, SpotifyError subclasses when Spotify fails.
    """
    if not query.strip():
        raise SearchQueryMissing()
    client = client or get_spotify_catalog_client()
    page = client.search(kind=KINDS[model], query=query, limit=limit, offset=offset)
    _store(model=model, items=page.items)
    items = items_by_spotify_ids(model=model, spotify_ids=[item.id for item in page.items])
    return ExternalPage(items=items, total=page.total, limit=limit, offset=offset)


def external_detail(*, model: type[CatalogItem], spotify_id: str, client: SpotifyCatalogClient | None = None):
    """Fetch one artist, album or track from Spotify, create or update our copy and return it (calls Spotify).

    Albums come with their tracks (track count and release date corrected); artists' genres are added.
    Raises SpotifyNotFound for an unknown id, other SpotifyError subclasses when Spotify fails.
    """
    client = client or get_spotify_catalog_client()
    fetch: dict[type[CatalogItem], Callable[..., Any]] = {
        Artist: client.get_artist,
        Album: client.get_album,
        Track: client.get_track,
    }
    item = fetch[model](spotify_id=spotify_id)
    if model is Album and item.tracks is not None and (item.tracks_total or 0) > len(item.tracks):
        item = _with_all_tracks(client=client, album=item)
    _store(model=model, items=[item])
    return items_by_spotify_ids(model=model, spotify_ids=[item.id])[0]


def _with_all_tracks(*, client: SpotifyCatalogClient, album):
    """The album with every page of its tracks (the album payload carries only the first 50)."""
    tracks = list(album.tracks)
    while len(tracks) < album.tracks_total:
        page = client.get_album_tracks(spotify_id=album.id, limit=50, offset=len(tracks))
        if not page.items:
            break
        tracks += page.items
    return replace(album, tracks=tracks)


def _store(*, model: type, items: list) -> None:
    if model is Artist:
        artists_upsert(artists=items)
    elif model is Album:
        albums_upsert(albums=items)
    else:
        tracks_upsert(tracks=items)
