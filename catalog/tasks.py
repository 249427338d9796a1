"""Celery entry points for the catalog (queue `catalog`): thin wrappers around services.

Retried with exponential backoff and jitter on transient Spotify errors only; acknowledged late
(settings/tasks.py), so a task killed with its worker runs again. The services are idempotent.
"""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from catalog.services.crawl import catalog_crawl
from catalog.services.genres import featured_genres_refresh, genre_sync_from_spotify
from integrations.spotify.errors import TRANSIENT_SPOTIFY_ERRORS

RETRY_POLICY = {
    "autoretry_for": TRANSIENT_SPOTIFY_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="catalog.tasks.sync_spotify_genres", **RETRY_POLICY)
def sync_spotify_genres() -> dict:
    return asdict(genre_sync_from_spotify())


# A crawl longer than the task time limit carries on in a fresh task (same id) this many times.
CRAWL_MAX_CONTINUATIONS = 50


@shared_task(bind=True, name="catalog.tasks.crawl_catalog", **RETRY_POLICY)
def crawl_catalog(
    self,
    genres: list[str] | None = None,
    artist_ids: list[str] | None = None,
    artists_per_genre: int = 10,
    albums_per_artist: int = 20,
) -> dict:
    try:
        result = catalog_crawl(
            genres=genres,
            artist_ids=artist_ids,
            artists_per_genre=artists_per_genre,
            albums_per_artist=albums_per_artist,
        )
    except SoftTimeLimitExceeded as exc:
        # No task outlives the broker's visibility timeout (settings/tasks.py); the crawl is resumable (it skips
        # albums it has in full), so the next run carries on where this one stopped.
        raise self.retry(exc=exc, countdown=0, max_retries=CRAWL_MAX_CONTINUATIONS) from exc
    return asdict(result)


@shared_task(name="catalog.tasks.refresh_featured_genres", **RETRY_POLICY)
def refresh_featured_genres() -> int:
    return len(featured_genres_refresh())
