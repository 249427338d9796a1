"""Celery entry points for the catalog (queue `catalog`): thin wrappers around services.

Retried with exponential backoff and jitter on transient Spotify errors only; acknowledged late
(settings/tasks.py), so a task killed with its worker runs again. The services are idempotent.
"""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from catalog.services.audio_features import audio_features_ingest
from catalog.services.crawl import catalog_crawl
from catalog.services.genres import featured_genres_refresh, genre_sync_from_spotify
from core.task_status import task_progress_report
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


@shared_task(name="catalog.tasks.crawl_catalog", bind=True, **RETRY_POLICY)
def crawl_catalog(
    self,
    genres: list[str] | None = None,
    artist_ids: list[str] | None = None,
    artists_per_genre: int = 10,
    albums_per_artist: int = 20,
) -> dict:
    """Crawl Spotify into the catalog, then queue the audio features of the tracks it stored."""
    try:
        result = catalog_crawl(
            genres=genres,
            artist_ids=artist_ids,
            artists_per_genre=artists_per_genre,
            albums_per_artist=albums_per_artist,
            on_progress=lambda done, total: task_progress_report(self, done=done, total=total, unit="artists"),
        )
    except SoftTimeLimitExceeded as exc:
        # No task outlives the broker's visibility timeout (settings/tasks.py); the crawl is resumable (it skips
        # albums it has in full), so the next run carries on where this one stopped.
        raise self.retry(exc=exc, countdown=0, max_retries=CRAWL_MAX_CONTINUATIONS) from exc
    if result.track_ids:
        ingest_audio_features.delay(result.track_ids)
    summary = asdict(result)
    del summary["track_ids"]
    return summary


@shared_task(name="catalog.tasks.refresh_featured_genres", **RETRY_POLICY)
def refresh_featured_genres() -> int:
    """Rebuild the cached featured genres (on beat, and when a request finds the cache empty)."""
    return len(featured_genres_refresh())


@shared_task(name="catalog.tasks.ingest_audio_features", **RETRY_POLICY)
def ingest_audio_features(track_ids: list[int]) -> dict:
    """Fetch the tracks' audio features from Spotify (where allowed).

    The recommender's scheduled `embed_stale_items` re-embeds them: their features are newer than their embedding.
    """
    result = audio_features_ingest(track_ids=track_ids)
    return {"status": result.status, "stored": len(result.stored), "missing": result.missing}
