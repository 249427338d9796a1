"""Queueing catalog background work."""

from __future__ import annotations

import uuid

from django.db import transaction


def genre_sync_enqueue() -> str:
    """Queue the Spotify genre sync once the current transaction commits; returns the Celery task id."""
    from catalog.tasks import sync_spotify_genres

    task_id = str(uuid.uuid4())
    transaction.on_commit(lambda: sync_spotify_genres.apply_async(task_id=task_id))
    return task_id
