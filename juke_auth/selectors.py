"""Read queries for accounts and music profiles."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from juke_auth.models import JukeUser, MusicProfile

PROFILE_SEARCH_LIMIT = 10


def user_list() -> QuerySet[JukeUser]:
    """Verified (active) users, newest first."""
    return JukeUser.objects.filter(is_active=True).order_by("-date_joined", "-pk")


def user_get_active_by_username(*, username: str) -> JukeUser | None:
    """The verified user with exactly this username, if any."""
    return JukeUser.objects.filter(username=username, is_active=True).first()


def user_search_by_profile(*, query: str) -> list[JukeUser]:
    """At most 10 verified users whose username or profile display name contains `query` (case-insensitive).

    The users' music profiles (if any) are loaded with them.
    """
    query = query.strip()
    if not query:
        return []
    matches = (
        JukeUser.objects.select_related("music_profile")
        .filter(Q(username__icontains=query) | Q(music_profile__display_name__icontains=query), is_active=True)
        .order_by("username")
    )
    return list(matches[:PROFILE_SEARCH_LIMIT])


def online_user_ids() -> set[int]:
    """Ids of users holding an unexpired Django session."""
    user_ids: set[int] = set()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        user_id = session.get_decoded().get(SESSION_KEY)
        if user_id is not None:
            try:
                user_ids.add(int(user_id))
            except (TypeError, ValueError):
                continue
    return user_ids


def music_profile_online_list() -> QuerySet[MusicProfile]:
    """Profiles of users who are signed in somewhere (an unexpired session), ordered by username."""
    return (
        MusicProfile.objects.select_related("user")
        .filter(user_id__in=online_user_ids(), user__is_active=True)
        .order_by("user__username")
    )


# Juke World: the lower the zoom (the more of the world in view), the higher the clout a point needs.
GLOBE_MIN_CLOUT_BY_MAX_ZOOM = ((4, 0.5), (8, 0.2), (12, 0.05))
GLOBE_FIELDS = ("id", "user__username", "city_lat", "city_lng", "clout", "first_genre", "display_name", "location")


def globe_min_clout(*, zoom: float) -> float:
    """The clout a profile needs to be drawn at this zoom level."""
    for max_zoom, min_clout in GLOBE_MIN_CLOUT_BY_MAX_ZOOM:
        if zoom <= max_zoom:
            return min_clout
    return 0.0


def music_profile_globe_points(
    *, min_lat: float, max_lat: float, min_lng: float, max_lng: float, zoom: float, limit: int
) -> list[dict]:
    """At most `limit` points `{id, username, lat, lng, clout, top_genre, display_name, location}` of verified
    users whose profile has a city inside the box, above the zoom's minimum clout, highest clout first."""
    rows = (
        MusicProfile.objects.filter(
            city_lat__isnull=False,
            city_lng__isnull=False,
            city_lat__gte=min_lat,
            city_lat__lte=max_lat,
            city_lng__gte=min_lng,
            city_lng__lte=max_lng,
            clout__gte=globe_min_clout(zoom=zoom),
            user__is_active=True,
        )
        # The first genre as text, read by the database: decoding each profile's whole JSON list in Python
        # was a third of the time of a 5,000-point answer (bench/globe.py).
        .annotate(first_genre=KT("favorite_genres__0"))
        .order_by("-clout", "id")
        .values_list(*GLOBE_FIELDS)[:limit]
    )
    return [
        {
            "id": profile_id,
            "username": username,
            "lat": lat,
            "lng": lng,
            "clout": clout,
            "top_genre": genre or "other",
            "display_name": display_name,
            "location": location,
        }
        for profile_id, username, lat, lng, clout, genre, display_name, location in rows
    ]
