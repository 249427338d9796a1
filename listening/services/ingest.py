"""The one way a listen enters Juke, whatever its source: normalise, fingerprint, match, store once.

Every source (the ListenBrainz API, our own API, Spotify history, Juke playback, file imports) builds
`ListenInput`s and calls `listens_ingest`. Rows go in with one multi-row `INSERT ... ON CONFLICT DO
NOTHING RETURNING id` per batch (PostgreSQL and SQLite both speak it), so a listen submitted twice
is stored once and we still know how many were new.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from core.db import column_of, concrete_field
from juke_auth.models import JukeUser
from listening.errors import ListenInvalid
from listening.models import Listen, ListenSource
from listening.services.changes import listens_changed
from listening.services.matching import TrackKey, name_normalise, tracks_match

NAME_MAX_LENGTH = 512
INSERT_BATCH_SIZE = 500
_INSERT_COLUMNS = (
    "user",
    "listened_at",
    "track",
    "artist_name",
    "track_name",
    "release_name",
    "spotify_id",
    "isrc",
    "recording_mbid",
    "duration_ms",
    "source",
    "additional_info",
    "fingerprint",
    "created_at",
)
_SPOTIFY_ID = re.compile(r"(?:spotify:track:|open\.spotify\.com/track/)?([0-9A-Za-z]{22})(?:[/?#].*)?$")
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


@dataclass(frozen=True)
class ListenInput:
    """One listen as a source gives it; `track_id` when the source already knows the catalog track."""

    listened_at: datetime
    artist_name: str
    track_name: str
    release_name: str = ""
    spotify_id: str = ""
    isrc: str = ""
    recording_mbid: str | None = None
    duration_ms: int | None = None
    additional_info: dict = field(default_factory=dict)
    track_id: int | None = None


@dataclass(frozen=True)
class IngestResult:
    received: int
    created: int
    matched: int

    @property
    def duplicates(self) -> int:
        return self.received - self.created


def listen_fingerprint(*, artist_name: str, track_name: str) -> str:
    """sha256 of the normalised names: with the user and start time it identifies a listen."""
    key = f"{name_normalise(artist_name)}\x1f{name_normalise(track_name)}"
    return hashlib.sha256(key.encode()).hexdigest()


def spotify_track_id_parse(value: str | None) -> str:
    """The 22-character track id in a Spotify id, URI or open.spotify.com URL; "" when there is none."""
    match = _SPOTIFY_ID.search((value or "").strip())
    return match.group(1) if match else ""


def unicode_null_found(value: object) -> str | None:
    """The first string in a JSON-like value (keys included) that holds U+0000, which PostgreSQL cannot store in
    text or jsonb; None when there is none."""
    if isinstance(value, str):
        return value if "\x00" in value else None
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value if isinstance(value, list) else []
    return next((found for item in items if (found := unicode_null_found(item)) is not None), None)


def listen_clean(listen: ListenInput) -> ListenInput:
    """The listen with trimmed names, parsed ids and whole-second time; ListenInvalid when it cannot be stored."""
    texts = [listen.artist_name, listen.track_name, listen.release_name, listen.additional_info]
    if unicode_null_found(texts) is not None:
        raise ListenInvalid("A listen cannot contain the character U+0000 (NUL).", code="listen_unicode_null")
    artist_name = " ".join((listen.artist_name or "").split())[:NAME_MAX_LENGTH]
    track_name = " ".join((listen.track_name or "").split())[:NAME_MAX_LENGTH]
    if not artist_name or not track_name:
        raise ListenInvalid("A listen needs an artist name and a track name.", code="listen_names_missing")
    if timezone.is_naive(listen.listened_at):
        raise ListenInvalid("listened_at must carry a time zone.", code="listen_time_naive")
    isrc = (listen.isrc or "").strip().upper().replace("-", "")
    mbid = None
    if listen.recording_mbid:
        try:
            mbid = str(uuid.UUID(str(listen.recording_mbid)))
        except ValueError:
            raise ListenInvalid("recording_mbid is not a valid MBID.", code="listen_mbid_invalid") from None
    duration = listen.duration_ms if isinstance(listen.duration_ms, int) and listen.duration_ms >= 0 else None
    return ListenInput(
        # Whole seconds, as ListenBrainz counts: the same play reported by two sources is one listen.
        listened_at=listen.listened_at.replace(microsecond=0),
        artist_name=artist_name,
        track_name=track_name,
        release_name=" ".join((listen.release_name or "").split())[:NAME_MAX_LENGTH],
        spotify_id=spotify_track_id_parse(listen.spotify_id),
        isrc=isrc if _ISRC.match(isrc) else "",
        recording_mbid=mbid,
        duration_ms=duration,
        additional_info=listen.additional_info if isinstance(listen.additional_info, dict) else {},
        track_id=listen.track_id,
    )


def listens_ingest(*, user: JukeUser, listens: Sequence[ListenInput], source: ListenSource) -> IngestResult:
    """Store the user's listens once each, matched to catalog tracks where possible.

    Raises ListenInvalid (and stores nothing) when any listen lacks names or has a naive time.
    """
    cleaned = [listen_clean(listen) for listen in listens]
    unknown = [listen for listen in cleaned if listen.track_id is None]
    matches = dict(zip(map(id, unknown), tracks_match(keys=[_key(listen) for listen in unknown]), strict=True))
    now = timezone.now()
    rows = [
        Listen(
            user_id=user.pk,
            listened_at=listen.listened_at,
            track_id=listen.track_id if listen.track_id is not None else matches[id(listen)],
            artist_name=listen.artist_name,
            track_name=listen.track_name,
            release_name=listen.release_name,
            spotify_id=listen.spotify_id,
            isrc=listen.isrc,
            recording_mbid=listen.recording_mbid,
            duration_ms=listen.duration_ms,
            source=source,
            additional_info=listen.additional_info,
            fingerprint=listen_fingerprint(artist_name=listen.artist_name, track_name=listen.track_name),
            created_at=now,
        )
        for listen in cleaned
    ]
    created = 0
    with transaction.atomic():
        for start in range(0, len(rows), INSERT_BATCH_SIZE):
            created += _insert_ignoring_duplicates(rows[start : start + INSERT_BATCH_SIZE])
    if created:
        listens_changed(user_id=user.pk)
    matched = sum(1 for row in rows if row.track_id is not None)
    return IngestResult(received=len(rows), created=created, matched=matched)


def _key(listen: ListenInput) -> TrackKey:
    return TrackKey(
        spotify_id=listen.spotify_id,
        isrc=listen.isrc,
        artist_name=listen.artist_name,
        track_name=listen.track_name,
    )


def _insert_ignoring_duplicates(rows: Sequence[Listen]) -> int:
    """INSERT the rows, skipping any that is already stored; returns how many were new."""
    if not rows:
        return 0
    fields = [concrete_field(Listen, name) for name in _INSERT_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(column_of(model_field)) for model_field in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params: list = []
    for row in rows:
        params.extend(
            model_field.get_db_prep_save(getattr(row, model_field.attname), connection) for model_field in fields
        )
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Listen._meta.db_table)} ({columns}) "  # noqa: S608 - our identifiers, bound values
        f"VALUES {', '.join([placeholders] * len(rows))} ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())
