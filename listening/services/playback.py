"""Juke playback: a track played through Juke's player for 30 s (or half of it, if shorter) becomes a listen, once.

Playback calls `listen_record_from_playback` with each state it reads. The start of the play is the moment
of the read minus the progress; the same play read again yields the same start (to the second), so the
ingest's idempotence stores it once, and a per-user note in the cache spares the database the repeats.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DatabaseError

from listening.errors import ListenInvalid
from listening.models import ListenSource
from listening.services.ingest import ListenInput, listens_ingest

logger = logging.getLogger(__name__)

MIN_PLAYED_MS = 30_000
SAME_PLAY_TOLERANCE_MS = 5_000
_NOTE_SECONDS = 6 * 60 * 60


def listen_threshold_ms(*, duration_ms: int) -> int:
    """How long a track must play to count: 30 s, or half the track when that is shorter."""
    return min(MIN_PLAYED_MS, duration_ms // 2) if duration_ms > 0 else MIN_PLAYED_MS


def listen_record_from_playback(*, user_id: int, state: Any) -> bool:
    """Record the playing track as a listen once it has played long enough; True when this call stored it.

    `state` is a playback state (playback.types.PlaybackState). Never raises: a failure to record must
    not break reading the player.
    """
    track = getattr(state, "track", None)
    if track is None or not track.id or not track.name:
        return False
    if state.progress_ms < listen_threshold_ms(duration_ms=track.duration_ms):
        return False
    started = state.updated_at - timedelta(milliseconds=state.progress_ms)
    started_ms = int(started.timestamp() * 1000)
    note_key = f"listening:playback:{user_id}"
    note = cache.get(note_key)
    if note and note[0] == track.id and abs(note[1] - started_ms) < SAME_PLAY_TOLERANCE_MS:
        return False
    artist_name = ", ".join(artist.name for artist in track.artists if artist.name) or "Unknown artist"
    listen = ListenInput(
        listened_at=started,
        artist_name=artist_name,
        track_name=track.name,
        release_name=track.album.name if track.album else "",
        spotify_id=track.id if getattr(state, "provider", "") == "spotify" else "",
        duration_ms=track.duration_ms or None,
        additional_info={"listening_from": "juke", "provider": getattr(state, "provider", "")},
    )
    try:
        # The user is loaded only here, once per play: reading the player costs no query of ours.
        user = get_user_model().objects.get(pk=user_id)
        result = listens_ingest(user=user, listens=[listen], source=ListenSource.JUKE)
    except (DatabaseError, ListenInvalid):
        logger.exception("Could not record the playback of %s by user %s as a listen", track.id, user_id)
        return False
    cache.set(note_key, (track.id, started_ms), _NOTE_SECONDS)
    return result.created > 0
