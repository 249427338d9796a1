"""Read queries for accounts and music profiles."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
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
