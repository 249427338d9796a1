"""Genres: the Spotify genre sync, the genre import from a file, and the featured-genres list."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from catalog.models import Genre
from catalog.services.ingest import genres_ensure
from catalog.services.tasks import featured_genres_refresh_enqueue
from integrations.spotify.catalog import SpotifyCatalogClient, get_spotify_catalog_client
from integrations.spotify.errors import SpotifyError, SpotifyNotFound

logger = logging.getLogger(__name__)

FEATURED_GENRES_CACHE_KEY = "catalog:featured-genres:v1"
FEATURED_GENRES_CACHE_SECONDS = 24 * 3600
# A partial build (Spotify slow or failing) is kept only briefly, so the next request tries again.
FEATURED_GENRES_PARTIAL_CACHE_SECONDS = 300
TOP_ARTISTS_PER_GENRE = 3

# (our id, display name, Spotify genre seed), in the contract's order (API_CONTRACT.md 5.4).
FEATURED_GENRES: list[tuple[str, str, str]] = [
    ("hiphop", "Hip-Hop", "hip-hop"), ("pop", "Pop", "pop"), ("rock", "Rock", "rock"), ("rnb", "R&B", "r&b"),
    ("electronic", "Electronic", "electronic"), ("country", "Country", "country"), ("jazz", "Jazz", "jazz"),
    ("classical", "Classical", "classical"), ("latin", "Latin", "latin"), ("indie", "Indie", "indie"),
    ("metal", "Metal", "metal"), ("reggae", "Reggae", "reggae"), ("folk", "Folk", "folk"), ("blues", "Blues", "blues"),
    ("funk", "Funk", "funk"), ("punk", "Punk", "punk"), ("soul", "Soul", "soul"), ("rap", "Rap", "rap"),
    ("edm", "EDM", "edm"), ("house", "House", "house"),
]  # fmt: skip


@dataclass
class GenreSyncResult:
    total: int
    created: int
    source: str


def genre_sync_from_spotify(*, client: SpotifyCatalogClient | None = None) -> GenreSyncResult:
    """Create a Genre for every Spotify genre seed (calls Spotify); existing genres are kept.

    Spotify has deprecated the genre-seeds endpoint for new apps: when it answers 404, the browse
    categories are used instead.
    """
    client = client or get_spotify_catalog_client()
    try:
        names, source = client.get_genre_seeds(), "genre-seeds"
    except SpotifyNotFound:
        names, source = [], "categories"
        offset = 0
        while True:
            page = client.get_categories(limit=50, offset=offset)
            names += [category.name for category in page.items]
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
    return genre_import(names=names, source=source)


def genre_import(*, names: list[str], source: str = "file") -> GenreSyncResult:
    """Create genres for these names (idempotent); returns how many were new."""
    before = Genre.objects.count()
    ids = genres_ensure(names=names)
    return GenreSyncResult(total=len(ids), created=Genre.objects.count() - before, source=source)


def genre_import_file(*, path: Path) -> GenreSyncResult:
    """Import genre names from a text file (one per line, `#` comments) or a JSON list / {"genres": [...]}."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        names = data.get("genres", []) if isinstance(data, dict) else data
    else:
        names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return genre_import(names=[str(name) for name in names if str(name).strip()], source=str(path))


@dataclass
class FeaturedArtist:
    id: str
    name: str
    image_url: str


@dataclass
class FeaturedGenre:
    id: str
    name: str
    spotify_id: str
    top_artists: list[FeaturedArtist] = field(default_factory=list)


def _top_artists(client: SpotifyCatalogClient, seed: str) -> list[FeaturedArtist]:
    page = client.search(kind="artist", query=f'genre:"{seed}"', limit=TOP_ARTISTS_PER_GENRE)
    return [
        FeaturedArtist(id=artist.id, name=artist.name or "", image_url=artist.images[0] if artist.images else "")
        for artist in page.items[:TOP_ARTISTS_PER_GENRE]
    ]


def featured_genres_build(
    *, client: SpotifyCatalogClient | None = None, budget_seconds: float | None = None
) -> tuple[list[dict], bool]:
    """The 20 featured genres with up to 3 top artists each (calls Spotify, in parallel, within a budget).

    Returns (genres, complete): genres not reached in time, or whose lookup failed, get no artists.
    """
    client = client or get_spotify_catalog_client()
    budget = settings.FEATURED_GENRES_FETCH_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    genres = [FeaturedGenre(id=key, name=name, spotify_id=seed) for key, name, seed in FEATURED_GENRES]
    complete = True
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="featured-genres")
    started = time.monotonic()
    try:
        futures = {executor.submit(_top_artists, client, genre.spotify_id): genre for genre in genres}
        done, pending = concurrent.futures.wait(futures, timeout=budget)
        for future in done:
            try:
                futures[future].top_artists = future.result()
            except SpotifyError as exc:
                complete = False
                logger.warning("Featured genre %s: Spotify failed: %s", futures[future].id, exc.message)
        if pending:
            complete = False
            logger.warning(
                "Featured genres: %d lookups missed the %.1fs budget (%.2fs)",
                len(pending), budget, time.monotonic() - started,
            )  # fmt: skip
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return [asdict(genre) for genre in genres], complete


def featured_genres_get() -> list[dict]:
    """The featured genres from the cache (kept warm by beat's `refresh_featured_genres`).

    On a miss the request does not search Spotify itself: it queues one refresh (enqueues a task) and
    answers with what the cache holds then (eager Celery has just filled it), else the genres without artists.
    """
    cached = cache.get(FEATURED_GENRES_CACHE_KEY)
    if cached is not None:
        return cached
    featured_genres_refresh_enqueue()
    return cache.get(FEATURED_GENRES_CACHE_KEY) or featured_genres_without_artists()


def featured_genres_without_artists() -> list[dict]:
    """The 20 featured genres in the contract's order, with no top artists yet."""
    return [asdict(FeaturedGenre(id=key, name=name, spotify_id=seed)) for key, name, seed in FEATURED_GENRES]


def featured_genres_refresh(*, budget_seconds: float | None = None) -> list[dict]:
    """Rebuild the featured genres and cache them (24 h, or 5 min when partial)."""
    genres, complete = featured_genres_build(budget_seconds=budget_seconds)
    timeout = FEATURED_GENRES_CACHE_SECONDS if complete else FEATURED_GENRES_PARTIAL_CACHE_SECONDS
    cache.set(FEATURED_GENRES_CACHE_KEY, genres, timeout)
    return genres
