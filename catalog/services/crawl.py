"""Crawl Spotify into our catalog: artists -> their albums -> the albums' tracks.

Idempotent and resumable: every write is an upsert by spotify_id, and albums whose tracks we already
have in full are skipped, so a crawl run again after an interruption picks up where it stopped and
ends with the same rows. A failure on one artist or album (unknown id, bad answer) is recorded and
the crawl goes on; transient errors (rate limit, Spotify down) propagate so the task retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count

from catalog.models import Album
from catalog.services.ingest import albums_upsert, artists_upsert, tracks_upsert
from integrations.spotify.catalog import SpotifyCatalogClient, get_spotify_catalog_client
from integrations.spotify.catalog_payloads import SpotifyAlbum
from integrations.spotify.errors import TRANSIENT_SPOTIFY_ERRORS, SpotifyError

logger = logging.getLogger(__name__)

DEFAULT_SEED_GENRES = ["pop", "rock", "hip-hop"]


@dataclass
class CrawlResult:
    artists: int = 0
    albums: int = 0
    albums_skipped: int = 0
    tracks: int = 0
    failures: list[str] = field(default_factory=list)
    track_ids: list[int] = field(default_factory=list, repr=False)  # stored this run (for their audio features)


def _complete_album_ids(spotify_ids: list[str]) -> set[str]:
    rows = (
        Album.objects.filter(spotify_id__in=spotify_ids, total_tracks__gt=0)
        .annotate(stored=Count("tracks"))
        .values_list("spotify_id", "total_tracks", "stored")
    )
    return {spotify_id for spotify_id, total, stored in rows if stored >= total}


def catalog_crawl(
    *,
    genres: list[str] | None = None,
    artist_ids: list[str] | None = None,
    artists_per_genre: int = 10,
    albums_per_artist: int = 20,
    client: SpotifyCatalogClient | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> CrawlResult:
    """Crawl the given artists, or the top artists of seed genres, with their albums and tracks (calls Spotify).

    `on_progress(artists done, artists in all)` is called after each artist.
    """
    client = client or get_spotify_catalog_client()
    result = CrawlResult()
    artists = []
    if artist_ids:
        artists = client.get_artists(spotify_ids=list(dict.fromkeys(artist_ids)))
    else:
        for genre in genres or DEFAULT_SEED_GENRES:
            page = client.search(kind="artist", query=f'genre:"{genre}"', limit=min(50, artists_per_genre))
            artists += page.items[:artists_per_genre]
    artists = list({artist.id: artist for artist in artists}.values())
    artists_upsert(artists=artists)
    result.artists = len(artists)
    for done, artist in enumerate(artists, start=1):
        try:
            _crawl_artist(client=client, artist_id=artist.id, albums_per_artist=albums_per_artist, result=result)
        except TRANSIENT_SPOTIFY_ERRORS:
            raise
        except SpotifyError as exc:
            result.failures.append(f"artist {artist.id}: {exc.message}")
            logger.warning("Crawl: artist %s failed: %s", artist.id, exc.message)
        if on_progress:
            on_progress(done, len(artists))
    return result


def _crawl_artist(*, client: SpotifyCatalogClient, artist_id: str, albums_per_artist: int, result: CrawlResult) -> None:
    albums: list[SpotifyAlbum] = []
    offset = 0
    while len(albums) < albums_per_artist:
        page = client.get_artist_albums(spotify_id=artist_id, limit=min(50, albums_per_artist), offset=offset)
        albums += page.items
        offset += len(page.items)
        if not page.items or not page.has_next:
            break
    albums = albums[:albums_per_artist]
    complete = _complete_album_ids([album.id for album in albums])
    result.albums_skipped += len(complete)
    todo = [album for album in albums if album.id not in complete]
    if not todo:
        return
    album_ids = albums_upsert(albums=todo)
    for album in todo:
        try:
            tracks = []
            offset = 0
            while True:
                page = client.get_album_tracks(spotify_id=album.id, limit=50, offset=offset)
                tracks += page.items
                offset += len(page.items)
                if not page.items or not page.has_next:
                    break
            # One transaction per album: its tracks land together, so "complete" is all or nothing.
            result.track_ids += tracks_upsert(tracks=tracks, album_pk=album_ids[album.id]).values()
            result.albums += 1
            result.tracks += len(tracks)
        except TRANSIENT_SPOTIFY_ERRORS:
            raise
        except SpotifyError as exc:
            result.failures.append(f"album {album.id}: {exc.message}")
            logger.warning("Crawl: album %s failed: %s", album.id, exc.message)
