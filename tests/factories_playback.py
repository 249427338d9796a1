"""Users with a linked Spotify account, stored the way social-core stores them (playback tests)."""

import time
import uuid

from django.contrib.auth import get_user_model
from social_django.models import UserSocialAuth


def make_user(username: str | None = None):
    return get_user_model().objects.create_user(username=username or f"u{uuid.uuid4().hex[:10]}", password="pw-x9!kq")


def link_spotify(user, *, spotify_id: str | None = None, **extra) -> UserSocialAuth:
    """A linked Spotify account; stub tokens name their Spotify user (`spotify_id`, also the account's uid)."""
    spotify_id = spotify_id or f"listener{uuid.uuid4().hex[:10]}"
    extra_data = {
        "access_token": f"stub-access-{spotify_id}.{uuid.uuid4().hex[:8]}",
        "refresh_token": f"stub-refresh-{spotify_id}.{uuid.uuid4().hex[:8]}",
        "expires": 3600,
        "auth_time": int(time.time()),
        "token_type": "Bearer",
    }
    extra_data.update(extra)
    extra_data = {key: value for key, value in extra_data.items() if value is not None}
    return UserSocialAuth.objects.create(user=user, provider="spotify", uid=spotify_id, extra_data=extra_data)
