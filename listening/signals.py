"""Reactions to other apps' writes: import history when Spotify is linked, re-match when the catalog grows."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from listening.tasks import listens_match_unmatched_task, spotify_history_sync_task

# Tracks saved one by one may arrive in bursts: one match run per minute is enough.
MATCH_DEBOUNCE_SECONDS = 60
MATCH_QUEUED_KEY = "listening:match-queued"


def spotify_account_saved(sender, instance, created: bool, **kwargs) -> None:
    if created and instance.provider == "spotify" and settings.LISTENING_IMPORT_ON_SPOTIFY_LINK:
        transaction.on_commit(lambda: spotify_history_sync_task.delay(instance.user_id))


def catalog_track_saved(sender, instance, created: bool, **kwargs) -> None:
    if created:
        transaction.on_commit(_match_queue)


def _match_queue() -> None:
    if cache.add(MATCH_QUEUED_KEY, True, timeout=MATCH_DEBOUNCE_SECONDS):
        listens_match_unmatched_task.delay()
