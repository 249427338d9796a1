"""Celery entry points of the recommender (queue `recommender`): each loads ids and calls a service."""

from celery import shared_task

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
