"""Celery entry points for listening history: each calls one service."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from listening.services.matching import listens_match_unmatched
from listening.services.spotify_history import spotify_history_sync, spotify_linked_user_ids


@shared_task(name="listening.listens_match_unmatched", acks_late=True)
def listens_match_unmatched_task() -> int:
    return listens_match_unmatched()


@shared_task(name="listening.spotify_history_sync", acks_late=True)
def spotify_history_sync_task(user_id: int) -> dict:
    return asdict(spotify_history_sync(user_id=user_id))


@shared_task(name="listening.spotify_history_sync_all", acks_late=True)
def spotify_history_sync_all_task() -> int:
    """Queue one sync per linked user, so a slow or failing account never holds up the others."""
    user_ids = spotify_linked_user_ids()
    for user_id in user_ids:
        spotify_history_sync_task.delay(user_id)
    return len(user_ids)
