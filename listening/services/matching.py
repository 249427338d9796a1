"""Matching listens to catalog tracks: by Spotify id, then ISRC, then normalised artist and track names.

Matching is done a batch at a time (three queries per batch, whatever its size), and again later for
listens the catalog did not know yet (`listens_match_unmatched`, a task on a beat and after catalog
writes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Lower

from catalog.models import Track
from listening.models import Listen
from listening.services.changes import listens_changed_for

MATCH_BATCH_SIZE = 1000


@dataclass(frozen=True)
class TrackKey:
    """What a listen says about its track: ids, and its names as given (compared normalised)."""

    spotify_id: str
    isrc: str
    artist_name: str
    track_name: str

    @property
    def names(self) -> tuple[str, str]:
        return name_normalise(self.artist_name), name_normalise(self.track_name)


def name_normalise(name: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive form of an artist or track name."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w]+", " ", without_marks).split())


def tracks_match(*, keys: Sequence[TrackKey]) -> list[int | None]:
    """The catalog track id for each key (or None), in order."""
    if not keys:
        return []
    by_spotify = dict(
        Track.objects.filter(spotify_id__in={key.spotify_id for key in keys if key.spotify_id}).values_list(
            "spotify_id", "id"
        )
    )
    isrcs = {key.isrc for key in keys if key.isrc and key.spotify_id not in by_spotify}
    by_isrc: dict[str, int] = {}
    if isrcs:
        for isrc, track_id in Track.objects.filter(spotify_data__external_ids__isrc__in=isrcs).values_list(
            "spotify_data__external_ids__isrc", "id"
        ):
            by_isrc.setdefault(str(isrc).upper(), track_id)
    pending = [key for key in keys if key.spotify_id not in by_spotify and key.isrc not in by_isrc]
    by_names = _tracks_by_names(pending)
    return [by_spotify.get(key.spotify_id) or by_isrc.get(key.isrc) or by_names.get(key.names) for key in keys]


def _tracks_by_names(keys: Iterable[TrackKey]) -> dict[tuple[str, str], int]:
    """(normalised artist, normalised track) -> the lowest matching track id, for names the catalog knows."""
    keys = list(keys)
    wanted = {key.names for key in keys}
    if not wanted:
        return {}
    # Candidates by lower-cased name (one query); the normalised comparison then decides.
    lowered = {key.track_name.lower() for key in keys}
    candidates = (
        Track.objects.annotate(lowered_name=Lower("name"))
        .filter(lowered_name__in=lowered)
        .values_list("id", "name", "artists__name")
        .order_by("id")
    )
    found: dict[tuple[str, str], int] = {}
    for track_id, track_name, artist_name in candidates:
        pair = (name_normalise(artist_name or ""), name_normalise(track_name))
        if pair in wanted:
            found.setdefault(pair, track_id)
    return found


def listens_match_unmatched(*, batch_size: int = MATCH_BATCH_SIZE) -> int:
    """Point every unmatched listen whose track the catalog now knows at that track; returns how many.

    Works through the distinct (fingerprint, spotify id, ISRC) groups of unmatched listens a batch at a time.
    """
    updated = 0
    after = ""
    unmatched = Listen.objects.filter(track__isnull=True)
    while True:
        # A page of distinct fingerprints, then every group of those: a group is never cut in two.
        fingerprints = list(
            unmatched.filter(fingerprint__gt=after)
            .order_by("fingerprint")
            .values_list("fingerprint", flat=True)
            .distinct()[:batch_size]
        )
        if not fingerprints:
            return updated
        after = fingerprints[-1]
        groups = list(
            unmatched.filter(fingerprint__in=fingerprints)
            .order_by()
            .values_list("fingerprint", "spotify_id", "isrc", "artist_name", "track_name")
            .distinct()
        )
        keys = [
            TrackKey(spotify_id=spotify_id, isrc=isrc, artist_name=artist, track_name=track)
            for _, spotify_id, isrc, artist, track in groups
        ]
        updated += _matches_store(groups=groups, matches=tracks_match(keys=keys))
        if len(fingerprints) < batch_size:
            return updated


def _matches_store(*, groups: Sequence[tuple[str, str, str, str, str]], matches: Sequence[int | None]) -> int:
    """Point the unmatched listens of each matched group at its track, in one transaction; returns how many.

    A group without Spotify id or ISRC (what scrobblers send) is matched by its names alone, so all such groups
    of one fingerprint find the same track: a whole batch of them is one UPDATE (a CASE on the fingerprint),
    where an UPDATE per group took 37,364 statements for 100k listens (bench/listening_match.py). Groups with ids
    (rare among unmatched listens) keep an UPDATE each.
    """
    unmatched = Listen.objects.filter(track__isnull=True)
    by_names: dict[str, int] = {}
    updated = 0
    matched = [group[0] for group, track_id in zip(groups, matches, strict=True) if track_id is not None]
    if not matched:  # most batches of a periodic run: listens the catalog still does not know
        return 0
    with transaction.atomic():
        listeners = set(unmatched.filter(fingerprint__in=matched).values_list("user_id", flat=True).distinct())
        for (fingerprint, spotify_id, isrc, artist, track), track_id in zip(groups, matches, strict=True):
            if track_id is None:
                continue
            if not spotify_id and not isrc:
                by_names[fingerprint] = track_id
                continue
            updated += unmatched.filter(
                fingerprint=fingerprint, spotify_id=spotify_id, isrc=isrc, artist_name=artist, track_name=track
            ).update(track_id=track_id)
        if by_names:
            track_of = Case(
                *(When(fingerprint=fingerprint, then=Value(track_id)) for fingerprint, track_id in by_names.items()),
                output_field=IntegerField(),
            )
            updated += unmatched.filter(spotify_id="", isrc="", fingerprint__in=list(by_names)).update(
                track_id=track_of
            )
    listens_changed_for(user_ids=listeners)  # their listens now count for their taste: what was built is stale
    return updated
