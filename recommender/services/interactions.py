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
from django.db.models.functions import ExtractMonth, ExtractYear, Lower

from catalog.models import Album, Artist, Track
from juke_ml.collaborative import recency_weights
from listening.models import Like, Listen

ItemKey = tuple[str, int]  # ("track" | "album" | "artist", catalog id)
CHUNK = 900  # ids per IN (...) query: below SQLite's variable limit


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


def _month_ages(now: datetime, years: Iterable[int], months: Iterable[int]) -> np.ndarray:
    """Days from the middle of each (year, month) to now (listens are grouped by month in SQL)."""
    now_months = now.year * 12 + now.month - 1 + (now.day - 1) / 30.4
    buckets = np.fromiter((year * 12 + month - 1 for year, month in zip(years, months, strict=True)), dtype=np.float64)
    return np.clip((now_months - buckets - 0.5) * 30.4, 0.0, None)


def _monthly(listens: QuerySet, *fields: str) -> list[tuple]:
    # Integer year and month (not TruncMonth): no per-row timezone conversion in Python, same on every database.
    return list(
        listens.annotate(year=ExtractYear("listened_at"), month=ExtractMonth("listened_at"))
        .values(*fields, "year", "month")
        .annotate(plays=Count("id"))
        .values_list(*fields, "year", "month", "plays")
    )


def _track_artists(listens: QuerySet, user_id: int | None) -> dict[int, list[int]]:
    links = Track.artists.through.objects.all()
    if user_id is not None:
        links = links.filter(track__listens__user_id=user_id).distinct()
    artists: dict[int, list[int]] = defaultdict(list)
    for track_id, artist_id in links.values_list("track_id", "artist_id"):
        artists[track_id].append(artist_id)
    return artists


def _add_track_listens(
    interactions: Interactions, listens: QuerySet, *, now: datetime, half_life_days: float, user_id: int | None
) -> None:
    rows = _monthly(listens.filter(track__isnull=False), "user_id", "track_id", "track__album_id")
    artists = _track_artists(listens, user_id)
    ages = _month_ages(now, (row[3] for row in rows), (row[4] for row in rows))
    decay = recency_weights(ages, half_life_days)
    for (user, track_id, album_id, _, _, plays), factor in zip(rows, decay, strict=True):
        keys = [("track", track_id), *((("album", album_id),) if album_id else ())]
        keys += [("artist", artist_id) for artist_id in artists.get(track_id, ())]
        interactions.add(user, keys, plays * float(factor), plays)


def _add_unmatched_listens(
    interactions: Interactions, listens: QuerySet, *, now: datetime, half_life_days: float
) -> None:
    rows = _monthly(listens.filter(track__isnull=True).annotate(artist=Lower("artist_name")), "user_id", "artist")
    names = sorted({row[1] for row in rows})
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
    decay = recency_weights(_month_ages(now, (row[2] for row in rows), (row[3] for row in rows)), half_life_days)
    for (user_id, artist, _, _, plays), factor in zip(rows, decay, strict=True):
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
    _add_track_listens(interactions, listens, now=now, half_life_days=half_life_days, user_id=user_id)
    _add_unmatched_listens(interactions, listens, now=now, half_life_days=half_life_days)
    _add_likes(interactions, likes, like_weight=like_weight)
    return interactions
