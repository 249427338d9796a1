"""Celery entry points of the recommender (queue `recommender`): each loads ids and calls a service."""

from celery import shared_task

from integrations.spotify.errors import TRANSIENT_SPOTIFY_ERRORS
from recommender.services.audio_features import audio_features_ingest
from recommender.services.embeddings import embeddings_sync, embeddings_sync_stale


def _summary(result) -> dict:
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


@shared_task(name="recommender.tasks.embed_tracks")
def embed_tracks(track_ids: list[int]) -> dict:
    """Embed these tracks (and re-embed their albums and artists) with the active model."""
    return _summary(embeddings_sync(track_ids=track_ids))


@shared_task(name="recommender.tasks.embed_albums")
def embed_albums(album_ids: list[int]) -> dict:
    """Embed these albums (and re-embed their artists) with the active model."""
    return _summary(embeddings_sync(album_ids=album_ids))


@shared_task(name="recommender.tasks.embed_artists")
def embed_artists(artist_ids: list[int]) -> dict:
    """Embed these artists with the active model."""
    return _summary(embeddings_sync(artist_ids=artist_ids))


@shared_task(name="recommender.tasks.embed_stale_items")
def embed_stale_items() -> dict:
    """Embed catalog items that are new, changed since their embedding, or embedded by an older model."""
    return _summary(embeddings_sync_stale())


@shared_task(
    name="recommender.tasks.ingest_audio_features",
    autoretry_for=TRANSIENT_SPOTIFY_ERRORS,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def ingest_audio_features(track_ids: list[int]) -> dict:
    """Fetch the tracks' audio features from Spotify (where allowed), then re-embed the tracks that got some."""
    result = audio_features_ingest(track_ids=track_ids)
    if result.stored:
        embed_tracks.delay(result.stored)
    return {"status": result.status, "stored": len(result.stored), "missing": result.missing}
