"""Reactions to other apps' writes: import history when Spotify is linked, re-match when the catalog grows."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# Tracks saved one by one may arrive in bursts: one match run per minute is enough.
MATCH_DEBOUNCE_SECONDS = 60
MATCH_QUEUED_KEY = "listening:match-queued"


def spotify_account_saved(sender, instance, created: bool, **kwargs) -> None:
    # Sign-in creates the account first and stores its tokens in a later save: import once tokens are there and
    # until the first import has happened (token refreshes save the account too; those find it done).
    if instance.provider != "spotify" or not settings.LISTENING_IMPORT_ON_SPOTIFY_LINK:
        return
    extra_data = instance.extra_data if isinstance(instance.extra_data, dict) else {}
    if not extra_data.get("access_token"):
        return
    from listening.models import SpotifyHistorySync
    from listening.tasks import spotify_history_sync_task

    if SpotifyHistorySync.objects.filter(user_id=instance.user_id, initial_import_at__isnull=False).exists():
        return
    transaction.on_commit(lambda: spotify_history_sync_task.delay(instance.user_id))


def catalog_track_saved(sender, instance, created: bool, **kwargs) -> None:
    if created:
        transaction.on_commit(_match_queue)


def _match_queue() -> None:
    if cache.add(MATCH_QUEUED_KEY, True, timeout=MATCH_DEBOUNCE_SECONDS):
        from listening.tasks import listens_match_unmatched_task

        listens_match_unmatched_task.delay()
