"""Reading listens and likes: a user's history by time, who may see it, and the stats of a range."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Album, Artist, Genre, Track
from juke_auth.models import JukeUser, MusicProfile
from listening.errors import ListenerNotFound, ListensPrivate
from listening.models import LatestImport, Like, Listen

STATS_RANGES = {"week": timedelta(days=7), "month": timedelta(days=30), "year": timedelta(days=365), "all_time": None}
STATS_TOP_COUNT = 10
STATS_CACHE_SECONDS = 5 * 60


def listener_get(*, username: str) -> JukeUser:
    """The active user with this username (case-insensitive), or ListenerNotFound."""
    user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise ListenerNotFound(f"Cannot find user: {username}")
    return user


def listens_readable_check(*, owner: JukeUser, viewer: JukeUser | None) -> None:
    """Raise ListensPrivate unless `viewer` is `owner` or the owner made their listens public."""
    if viewer is not None and viewer.is_authenticated and viewer.pk == owner.pk:
        return
    if not listens_public_get(user=owner):
        raise ListensPrivate(f"{owner.get_username()}'s listens are private.")


def listens_public_get(*, user: JukeUser) -> bool:
    """Whether the user lets others read their listens (private by default)."""
    return MusicProfile.objects.filter(user=user, listens_public=True).exists()


def listen_list(
    *,
    user: JukeUser,
    before: datetime | None = None,
    after: datetime | None = None,
    before_id: int | None = None,
    limit: int = 25,
) -> list[Listen]:
    """The user's listens newest first, strictly between `after` and `before`.

    With only `after`, the listens just after it (still returned newest first). `before_id` breaks ties
    between listens of the same second, for cursor pagination.
    """
    listens = Listen.objects.filter(user=user).select_related("track")
    if before is not None:
        if before_id is not None:
            listens = listens.filter(Q(listened_at__lt=before) | Q(listened_at=before, id__lt=before_id))
        else:
            listens = listens.filter(listened_at__lt=before)
    if after is not None:
        listens = listens.filter(listened_at__gt=after)
    if after is not None and before is None:
        oldest_first = listens.order_by("listened_at", "id")[:limit]
        return list(reversed(oldest_first))
    return list(listens.order_by("-listened_at", "-id")[:limit])


def listen_count(*, user: JukeUser) -> int:
    """How many listens the user has (an index-only count over the user's slice of the unique key)."""
    return Listen.objects.filter(user=user).count()


def latest_import_get(*, user: JukeUser) -> datetime | None:
    """The newest listen time an importer recorded for the user (ListenBrainz's latest-import), if any."""
    return LatestImport.objects.filter(user=user).values_list("latest_import", flat=True).first()


def listen_latest_time(*, user: JukeUser) -> datetime | None:
    """When the user's newest listen started."""
    return Listen.objects.filter(user=user).aggregate(latest=Max("listened_at"))["latest"]


def listen_oldest_time(*, user: JukeUser) -> datetime | None:
    """When the user's oldest listen started (one index probe, like the newest)."""
    oldest = Listen.objects.filter(user=user).order_by("listened_at").values_list("listened_at", flat=True).first()
    return oldest


def _in_range(*, user: JukeUser, range_name: str, now: datetime | None = None) -> QuerySet[Listen]:
    listens = Listen.objects.filter(user=user)
    span = STATS_RANGES[range_name]
    if span is not None:
        listens = listens.filter(listened_at__gte=(now or timezone.now()) - span)
    return listens


def _stats_version_key(user_id: int) -> str:
    return f"listening:stats-version:{user_id}"


def listen_stats_invalidate(*, user_ids: Iterable[int]) -> None:
    """Forget these users' cached stats (their listens changed)."""
    now = time.time_ns()
    cache.set_many({_stats_version_key(user_id): now for user_id in user_ids}, None)


def listen_stats_cached(*, user: JukeUser, range_name: str) -> dict:
    """`listen_stats`, kept for STATS_CACHE_SECONDS until the user's listens change (a heavy listener's
    all-time stats read a hundred thousand rows: worth doing once, not on every page view)."""
    version = cache.get(_stats_version_key(user.pk), 0)
    key = f"listening:stats:{user.pk}:{version}:{range_name}"
    stats = cache.get(key)
    if stats is None:
        stats = listen_stats(user=user, range_name=range_name)
        cache.set(key, stats, STATS_CACHE_SECONDS)
    return stats


def listen_stats(*, user: JukeUser, range_name: str, now: datetime | None = None) -> dict:
    """Top artists, tracks, albums and genres, total listening time and listens per day in the range.

    Every query reads only the (user, time) index (index-only scans); where the catalog is needed (track
    durations, album and genre names) listens are counted per track first and joined after.
    """
    listens = _in_range(user=user, range_name=range_name, now=now).order_by()
    per_day = list(
        listens.annotate(day=TruncDate("listened_at"))
        .values("day")
        .annotate(count=Count("id"), own_ms=Sum("duration_ms"))
        .order_by("day")
    )
    top_artists = listens.values("artist_name").annotate(count=Count("id")).order_by("-count", "artist_name")
    top_tracks = (
        listens.values("artist_name", "track_name")
        # After values(), Django lets an annotation reuse a field name; the stubs do not know that.
        .annotate(count=Count("id"), track_id=Max("track_id"))  # type: ignore[no-redef]
        .order_by("-count", "artist_name", "track_name")
    )
    return {
        "range": range_name,
        "listen_count": sum(day["count"] for day in per_day),
        "total_listening_ms": sum(day["own_ms"] or 0 for day in per_day) + _catalog_listening_ms(listens),
        "top_artists": list(top_artists[:STATS_TOP_COUNT]),
        "top_tracks": list(top_tracks[:STATS_TOP_COUNT]),
        "top_albums": _top_albums(listens),
        "top_genres": _top_genres(listens),
        "listens_per_day": [{"day": day["day"], "count": day["count"]} for day in per_day],
    }


def _raw(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _catalog_listening_ms(listens: QuerySet[Listen]) -> int:
    """Listening time of the listens that did not say how long they played: their catalog track's duration."""
    untimed_sql, params = (
        listens.filter(track__isnull=False, duration_ms__isnull=True)
        .values("track_id")
        .annotate(plays=Count("id"))
        .order_by()
        .query.sql_with_params()
    )
    sql = f"""
        SELECT COALESCE(SUM(untimed.plays * track.duration_ms), 0)
        FROM ({untimed_sql}) AS untimed JOIN {Track._meta.db_table} AS track ON track.id = untimed.track_id
    """  # noqa: S608 - our identifiers, bound values
    return int(_raw(sql, params)[0][0])


def _top_albums(listens: QuerySet[Listen]) -> list[dict]:
    """Listens per (artist, album): the release name the listen gave, else its catalog track's album."""
    named_sql, named_params = (
        listens.exclude(release_name="")
        .values("artist_name", "release_name")
        .annotate(plays=Count("id"))
        .order_by()
        .query.sql_with_params()
    )
    unnamed_sql, unnamed_params = (
        listens.filter(release_name="", track__isnull=False)
        .values("artist_name", "track_id")
        .annotate(plays=Count("id"))
        .order_by()
        .query.sql_with_params()
    )
    sql = f"""
        SELECT artist_name, album_name, SUM(plays) AS plays FROM (
            SELECT named.artist_name, named.release_name AS album_name, named.plays FROM ({named_sql}) AS named
            UNION ALL
            SELECT unnamed.artist_name, album.name, unnamed.plays
            FROM ({unnamed_sql}) AS unnamed
            JOIN {Track._meta.db_table} AS track ON track.id = unnamed.track_id
            JOIN {Album._meta.db_table} AS album ON album.id = track.album_id
        ) AS albums
        GROUP BY artist_name, album_name
        ORDER BY plays DESC, artist_name, album_name
        LIMIT {STATS_TOP_COUNT}
    """  # noqa: S608 - our identifiers, bound values
    rows = _raw(sql, (*named_params, *unnamed_params))
    return [{"artist_name": artist, "album_name": album, "count": int(plays)} for artist, album, plays in rows]


def _top_genres(listens: QuerySet[Listen]) -> list[dict]:
    """Listens per genre of the tracks' artists (a listen counts once per genre).

    Counted per track first and joined to the catalog after, so a heavy listener's thousands of listens
    become a few hundred join rows.
    """
    per_track_sql, params = (
        listens.filter(track__isnull=False)
        .values("track_id")
        .annotate(plays=Count("id"))
        .order_by()
        .query.sql_with_params()
    )
    track_artists = Track.artists.through._meta.db_table
    artist_genres = Artist.genres.through._meta.db_table
    sql = f"""
        SELECT genre.name, SUM(pairs.plays) AS plays
        FROM (
            SELECT DISTINCT per_track.track_id, per_track.plays, artist_genre.genre_id
            FROM ({per_track_sql}) AS per_track
            JOIN {track_artists} AS track_artist ON track_artist.track_id = per_track.track_id
            JOIN {artist_genres} AS artist_genre ON artist_genre.artist_id = track_artist.artist_id
        ) AS pairs
        JOIN {Genre._meta.db_table} AS genre ON genre.id = pairs.genre_id
        GROUP BY genre.name
        ORDER BY plays DESC, genre.name
        LIMIT {STATS_TOP_COUNT}
    """  # noqa: S608 - our identifiers, bound values
    return [{"genre": genre, "count": int(count)} for genre, count in _raw(sql, params)]


def like_list(*, user: JukeUser, kind: str | None = None) -> QuerySet[Like]:
    """The user's likes, newest first, with the liked item loaded; only tracks, albums or artists with `kind`."""
    likes = Like.objects.filter(user=user)
    if kind:
        likes = likes.filter(**{f"{kind}__isnull": False})
    return likes.select_related("track", "album", "artist").order_by("-created_at", "-id")
