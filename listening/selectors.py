"""Reading listens and likes: a user's history by time, who may see it, and the stats of a range."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, IntegerField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone

from juke_auth.models import MusicProfile
from listening.errors import ListenerNotFound, ListensPrivate
from listening.models import Like, Listen

STATS_RANGES = {"week": timedelta(days=7), "month": timedelta(days=30), "year": timedelta(days=365), "all_time": None}
STATS_TOP_COUNT = 10


def listener_get(*, username: str) -> AbstractBaseUser:
    """The active user with this username (case-insensitive), or ListenerNotFound."""
    user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise ListenerNotFound(f"Cannot find user: {username}")
    return user


def listens_readable_check(*, owner: AbstractBaseUser, viewer: AbstractBaseUser | None) -> None:
    """Raise ListensPrivate unless `viewer` is `owner` or the owner made their listens public."""
    if viewer is not None and viewer.is_authenticated and viewer.pk == owner.pk:
        return
    if not MusicProfile.objects.filter(user=owner, listens_public=True).exists():
        raise ListensPrivate(f"{owner.get_username()}'s listens are private.")


def listen_list(
    *,
    user: AbstractBaseUser,
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


def listen_latest_time(*, user: AbstractBaseUser) -> datetime | None:
    """When the user's newest listen started."""
    return Listen.objects.filter(user=user).aggregate(latest=Max("listened_at"))["latest"]


def listen_oldest_time(*, user: AbstractBaseUser) -> datetime | None:
    """When the user's oldest listen started (one index probe, like the newest)."""
    oldest = Listen.objects.filter(user=user).order_by("listened_at").values_list("listened_at", flat=True).first()
    return oldest


def _in_range(*, user: AbstractBaseUser, range_name: str, now: datetime | None = None) -> QuerySet[Listen]:
    listens = Listen.objects.filter(user=user)
    span = STATS_RANGES[range_name]
    if span is not None:
        listens = listens.filter(listened_at__gte=(now or timezone.now()) - span)
    return listens


def listen_stats(*, user: AbstractBaseUser, range_name: str, now: datetime | None = None) -> dict:
    """Top artists, tracks, albums and genres, total listening time and listens per day in the range."""
    listens = _in_range(user=user, range_name=range_name, now=now).order_by()
    totals = listens.aggregate(
        listen_count=Count("id"),
        listening_ms=Coalesce(
            Sum(Coalesce("duration_ms", "track__duration_ms")), Value(0), output_field=IntegerField()
        ),
    )
    top_artists = listens.values("artist_name").annotate(count=Count("id")).order_by("-count", "artist_name")
    top_tracks = (
        listens.values("artist_name", "track_name")
        .annotate(count=Count("id"), track_id=Max("track_id"))
        .order_by("-count", "artist_name", "track_name")
    )
    top_albums = (
        listens.annotate(album_name=Coalesce(NullIf(F("release_name"), Value("")), F("track__album__name")))
        .filter(album_name__isnull=False)
        .values("artist_name", "album_name")
        .annotate(count=Count("id"))
        .order_by("-count", "artist_name", "album_name")
    )
    top_genres = (
        listens.filter(track__artists__genres__isnull=False)
        .values(genre=F("track__artists__genres__name"))
        .annotate(count=Count("id", distinct=True))
        .order_by("-count", "genre")
    )
    per_day = listens.annotate(day=TruncDate("listened_at")).values("day").annotate(count=Count("id")).order_by("day")
    return {
        "range": range_name,
        "listen_count": totals["listen_count"],
        "total_listening_ms": totals["listening_ms"],
        "top_artists": list(top_artists[:STATS_TOP_COUNT]),
        "top_tracks": list(top_tracks[:STATS_TOP_COUNT]),
        "top_albums": list(top_albums[:STATS_TOP_COUNT]),
        "top_genres": list(top_genres[:STATS_TOP_COUNT]),
        "listens_per_day": list(per_day),
    }


def like_list(*, user: AbstractBaseUser) -> QuerySet[Like]:
    """The user's likes, newest first, with the liked item loaded."""
    return Like.objects.filter(user=user).select_related("track", "album", "artist").order_by("-created_at", "-id")
