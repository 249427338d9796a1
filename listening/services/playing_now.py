"""What a user is playing right now, as a scrobbler reports it (`listen_type: playing_now`).

It is kept in the cache (Redis in deployment), never as a listen: it expires when the track would have
ended, or after PLAYING_NOW_MAX_SECONDS when the scrobbler gave no duration.
"""

from __future__ import annotations

from django.core.cache import cache

PLAYING_NOW_MAX_SECONDS = 10 * 60


def _cache_key(user_id: int) -> str:
    return f"listening:playing-now:{user_id}"


def playing_now_set(*, user_id: int, track_metadata: dict) -> None:
    """Remember what the user is playing until its duration (or the default) has passed."""
    info = track_metadata.get("additional_info") or {}
    seconds = PLAYING_NOW_MAX_SECONDS
    if isinstance(info.get("duration"), int) and info["duration"] > 0:
        seconds = info["duration"]
    elif isinstance(info.get("duration_ms"), int) and info["duration_ms"] > 0:
        seconds = info["duration_ms"] // 1000
    cache.set(_cache_key(user_id), track_metadata, timeout=max(1, min(seconds, 3 * 60 * 60)))


def playing_now_get(*, user_id: int) -> dict | None:
    """The track_metadata the user's scrobbler last reported as playing, if it has not expired."""
    return cache.get(_cache_key(user_id))
