"""What users played and liked, as weighted (user, item) pairs for the taste model.

Listens count per month (grouped in SQL), weighted by recency (juke_ml.collaborative.recency_weights); a
listen of a catalog track counts for the track, its album and its artists ("track listens roll up to
artists"); a listen not matched to a track yet counts for the artist of that name when the catalog has one.
A like counts `like_weight` listens of the liked item (and, for a track or album, of its artists).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower, TruncMonth

from catalog.models import Album, Artist, Track
from juke_ml.collaborative import recency_weights
from listening.models import Like, Listen

ItemKey = tuple[str, int]  # ("track" | "album" | "artist", catalog id)
CHUNK = 900  # ids per IN (...) query: below SQLite's variable limit
DAY_SECONDS = 86400.0


@dataclass
class Interactions:
    """Summed weights per (user id, item key)."""

    weights: dict[tuple[int, ItemKey], float] = field(default_factory=lambda: defaultdict(float))
    plays: dict[tuple[int, ItemKey], int] = field(default_factory=lambda: defaultdict(int))  # listens only

    def add(self, user_id: int, items: Iterable[ItemKey], weight: float, plays: int = 0) -> None:
        for item in items:
            self.weights[(user_id, item)] += weight
            if plays:
                self.plays[(user_id, item)] += plays

    def as_arrays(self) -> tuple[list[int], list[ItemKey], np.ndarray, np.ndarray, np.ndarray]:
        """(user ids, item keys, row index, column index, weight) for juke_ml.collaborative.confidence_matrix."""
        users = sorted({user for user, _ in self.weights})
        items = sorted({item for _, item in self.weights})
        user_row = {user: row for row, user in enumerate(users)}
        item_column = {item: column for column, item in enumerate(items)}
        rows = np.fromiter((user_row[user] for user, _ in self.weights), dtype=np.int64, count=len(self.weights))
        columns = np.fromiter((item_column[item] for _, item in self.weights), dtype=np.int64, count=len(self.weights))
        weights = np.fromiter(self.weights.values(), dtype=np.float64, count=len(self.weights))
        return users, items, rows, columns, weights


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def track_rollup(track_ids: Iterable[int]) -> dict[int, list[ItemKey]]:
    """Each track's item keys: itself, its album and its artists."""
    keys: dict[int, list[ItemKey]] = defaultdict(list)
    for chunk in _chunks(track_ids):
        for track_id, album_id in Track.objects.filter(id__in=chunk).values_list("id", "album_id"):
            keys[track_id].append(("track", track_id))
            if album_id:
                keys[track_id].append(("album", album_id))
        for track_id, artist_id in Track.artists.through.objects.filter(track_id__in=chunk).values_list(
            "track_id", "artist_id"
        ):
            keys[track_id].append(("artist", artist_id))
    return keys


def album_rollup(album_ids: Iterable[int]) -> dict[int, list[ItemKey]]:
    """Each album's item keys: itself and its artists."""
    keys: dict[int, list[ItemKey]] = defaultdict(list)
    for chunk in _chunks(album_ids):
        for album_id in Album.objects.filter(id__in=chunk).values_list("id", flat=True):
            keys[album_id].append(("album", album_id))
        for album_id, artist_id in Album.artists.through.objects.filter(album_id__in=chunk).values_list(
            "album_id", "artist_id"
        ):
            keys[album_id].append(("artist", artist_id))
    return keys


def _age_days(now: datetime, when: datetime) -> float:
    # A month bucket counts from its middle.
    return max(0.0, (now - when).total_seconds() / DAY_SECONDS - 15.0)


def _add_track_listens(interactions: Interactions, listens: QuerySet, *, now: datetime, half_life_days: float) -> None:
    rows = list(
        listens.filter(track__isnull=False)
        .annotate(month=TruncMonth("listened_at"))
        .values("user_id", "track_id", "month")
        .annotate(plays=Count("id"))
        .values_list("user_id", "track_id", "month", "plays")
    )
    rollup = track_rollup(track_id for _, track_id, _, _ in rows)
    ages = [_age_days(now, month) for _, _, month, _ in rows]
    decay = recency_weights(ages, half_life_days)
    for (user_id, track_id, _, plays), factor in zip(rows, decay, strict=True):
        interactions.add(user_id, rollup.get(track_id, ()), plays * float(factor), plays)


def _add_unmatched_listens(
    interactions: Interactions, listens: QuerySet, *, now: datetime, half_life_days: float
) -> None:
    rows = list(
        listens.filter(track__isnull=True)
        .annotate(month=TruncMonth("listened_at"), artist=Lower("artist_name"))
        .values("user_id", "artist", "month")
        .annotate(plays=Count("id"))
        .values_list("user_id", "artist", "month", "plays")
    )
    names = sorted({artist for _, artist, _, _ in rows})
    artist_ids: dict[str, int] = {}
    for start in range(0, len(names), CHUNK):
        matches = (
            Artist.objects.annotate(key=Lower("name"))
            .filter(key__in=names[start : start + CHUNK])
            .order_by("key", "-popularity", "id")
            .values_list("key", "id")
        )
        for key, artist_id in matches:
            artist_ids.setdefault(key, artist_id)
    decay = recency_weights([_age_days(now, month) for _, _, month, _ in rows], half_life_days)
    for (user_id, artist, _, plays), factor in zip(rows, decay, strict=True):
        if artist in artist_ids:
            interactions.add(user_id, [("artist", artist_ids[artist])], plays * float(factor), plays)


def _add_likes(interactions: Interactions, likes_query: QuerySet, *, like_weight: float) -> None:
    likes = list(likes_query.values_list("user_id", "track_id", "album_id", "artist_id"))
    tracks = track_rollup(track for _, track, _, _ in likes if track)
    albums = album_rollup(album for _, _, album, _ in likes if album)
    for user_id, track_id, album_id, artist_id in likes:
        if track_id:
            keys = [key for key in tracks.get(track_id, ()) if key[0] != "album"]
        elif album_id:
            keys = albums.get(album_id, [])
        else:
            keys = [("artist", artist_id)]
        interactions.add(user_id, keys, like_weight)


def interactions_load(
    *, now: datetime, half_life_days: float, like_weight: float, user_id: int | None = None
) -> Interactions:
    """Weighted interactions with catalog tracks, albums and artists (see the module doc): everyone's, or one user's."""
    listens = Listen.objects.all() if user_id is None else Listen.objects.filter(user_id=user_id)
    likes = Like.objects.all() if user_id is None else Like.objects.filter(user_id=user_id)
    interactions = Interactions()
    _add_track_listens(interactions, listens, now=now, half_life_days=half_life_days)
    _add_unmatched_listens(interactions, listens, now=now, half_life_days=half_life_days)
    _add_likes(interactions, likes, like_weight=like_weight)
    return interactions
