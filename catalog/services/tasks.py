"""Queueing catalog background work."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# While a featured-genres refresh is queued, requests that miss the cache do not queue another.
FEATURED_REFRESH_LOCK_KEY = "catalog:featured-genres:refresh-queued"
FEATURED_REFRESH_LOCK_SECONDS = 60


def genre_sync_enqueue() -> str:
    """Queue the Spotify genre sync once the current transaction commits; returns the Celery task id."""
    from catalog.tasks import sync_spotify_genres  # noqa: PLC0415 - catalog.tasks imports the services that import this module

    task_id = str(uuid.uuid4())
    transaction.on_commit(lambda: sync_spotify_genres.apply_async(task_id=task_id))
    return task_id


def featured_genres_refresh_enqueue() -> str | None:
    """Queue one featured-genres refresh unless one was queued in the last minute; returns its task id.

    A broker that cannot be reached is logged, not raised: the caller still has an answer to give.
    """
    from catalog.tasks import refresh_featured_genres  # noqa: PLC0415 - catalog.tasks imports the services that import this module

    if not cache.add(FEATURED_REFRESH_LOCK_KEY, True, FEATURED_REFRESH_LOCK_SECONDS):
        return None
    try:
        return refresh_featured_genres.delay().id
    except OperationalError:
        cache.delete(FEATURED_REFRESH_LOCK_KEY)
        logger.exception("Featured genres: the refresh could not be queued")
        return None
