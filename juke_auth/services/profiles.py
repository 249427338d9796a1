"""Music profiles: creation on first use and owner updates."""

from typing import Any

from django.db import IntegrityError, transaction

from juke_auth import selectors
from juke_auth.errors import NotProfileOwner, ProfileAlreadyExists, ProfileNotFound
from juke_auth.models import JukeUser, MusicProfile


def music_profile_get_or_create(*, user: JukeUser) -> MusicProfile:
    """The user's music profile, created with defaults on first use."""
    profile, _created = MusicProfile.objects.select_related("user").get_or_create(user=user)
    return profile


def music_profile_of(*, username: str) -> MusicProfile:
    """The profile of the verified user `username` (created on first use); raises ProfileNotFound."""
    user = selectors.user_get_active_by_username(username=username)
    if user is None:
        raise ProfileNotFound()
    return music_profile_get_or_create(user=user)


def music_profile_of_owner(*, username: str, caller: JukeUser) -> MusicProfile:
    """The profile of `username` for `caller` to change; raises ProfileNotFound or NotProfileOwner."""
    profile = music_profile_of(username=username)
    if profile.user_id != caller.pk:
        raise NotProfileOwner()
    return profile


def music_profile_create(*, user: JukeUser, data: dict[str, Any]) -> MusicProfile:
    """Create the user's profile from validated data; raises ProfileAlreadyExists if there is one."""
    if MusicProfile.objects.filter(user=user).exists():
        raise ProfileAlreadyExists()
    try:
        with transaction.atomic():
            profile = MusicProfile(user=user)
            _apply(profile, data)
            profile.save()
    except IntegrityError:
        raise ProfileAlreadyExists() from None
    return profile


def music_profile_update(*, profile: MusicProfile, data: dict[str, Any]) -> MusicProfile:
    """Apply validated changes to a profile; fields left out stay as they are."""
    _apply(profile, data)
    profile.save()
    return profile


def _apply(profile: MusicProfile, data: dict[str, Any]) -> None:
    for field, value in data.items():
        if field in ("city_lat", "city_lng") and value is not None:
            value = round(value, 2)
        setattr(profile, field, value)
