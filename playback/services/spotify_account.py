"""The user's linked Spotify account: finding it, keeping its access token fresh, and running player calls with it.

`spotify_tokens_read` and `spotify_tokens_write` are the only code that touches the stored tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from social_django.models import UserSocialAuth

from integrations.spotify.errors import (
    SpotifyAuthError,
    SpotifyBadRequest,
    SpotifyError,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from integrations.spotify.player import SpotifyPlayerClient, SpotifyPlayerCommandRefused
from integrations.spotify.tokens import spotify_access_token_refresh
from juke_auth.models import JukeUser
from juke_auth.services.spotify_credentials import spotify_credentials_merge, spotify_credentials_read
from playback.errors import (
    PlaybackAuthExpired,
    PlaybackCommandRefused,
    PlaybackError,
    PlaybackProviderBadGateway,
    PlaybackProviderUnavailable,
    PlaybackRefreshTokenMissing,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

SPOTIFY_PROVIDER = "spotify"
# Refresh this long before Spotify's stated expiry, so a token never expires mid-request.
SPOTIFY_TOKEN_REFRESH_MARGIN_SECONDS = 60
# social-core's rule: an `expires` above two years is an absolute timestamp, else a lifetime in seconds.
_EXPIRES_IS_TIMESTAMP_ABOVE = 63072000


def spotify_account_get(*, user: JukeUser) -> UserSocialAuth | None:
    """The user's linked Spotify account (the latest one if several), or None. One query."""
    if not user or not user.is_authenticated:
        return None
    account = UserSocialAuth.objects.filter(user=user, provider=SPOTIFY_PROVIDER).order_by("-id").first()
    if account is not None:
        account.user = user  # already loaded: reading account.user costs no query
    return account


def spotify_tokens_read(account: UserSocialAuth) -> dict[str, Any]:
    """The stored tokens of the account: access_token, refresh_token, expires, auth_time, token_type."""
    return spotify_credentials_read(account=account)  # encrypted at rest; rows of old versions give {}


def spotify_tokens_write(account: UserSocialAuth, tokens: dict[str, Any]) -> None:
    """Store the account's tokens (the caller holds the row lock)."""
    spotify_credentials_merge(account=account, changes=tokens)


def _token_expires_at(tokens: dict) -> float | None:
    expires, auth_time = tokens.get("expires"), tokens.get("auth_time")
    try:
        expires = float(expires) if expires is not None else None
        auth_time = float(auth_time) if auth_time is not None else None
    except (TypeError, ValueError):
        return None
    if expires is None:
        return None
    if expires > _EXPIRES_IS_TIMESTAMP_ABOVE:
        return expires
    return auth_time + expires if auth_time is not None else None


def _token_needs_refresh(tokens: dict, *, rejected_token: str | None, now: float) -> bool:
    access_token = tokens.get("access_token")
    if not access_token:
        return True
    if rejected_token is not None:
        # Spotify answered 401 for `rejected_token`: refresh unless someone already replaced it.
        return access_token == rejected_token
    expires_at = _token_expires_at(tokens)
    return expires_at is not None and now >= expires_at - SPOTIFY_TOKEN_REFRESH_MARGIN_SECONDS


def spotify_access_token_get(*, account: UserSocialAuth, rejected_token: str | None = None) -> str:
    """A usable access token for the account, refreshed when it is about to expire or Spotify rejected it.

    Calls Spotify's token endpoint when a refresh is due and stores the new token, its expiry and (only
    if Spotify rotated it) the new refresh token. The row is locked for the refresh, so concurrent
    requests of one user refresh once and reuse the result; `account` is updated in place.
    """
    tokens = spotify_tokens_read(account)
    if not _token_needs_refresh(tokens, rejected_token=rejected_token, now=time.time()):
        return tokens["access_token"]
    with transaction.atomic():
        locked = UserSocialAuth.objects.select_for_update().get(pk=account.pk)
        access_token = _access_token_refreshed(locked, rejected_token=rejected_token)
    account.extra_data = locked.extra_data
    return access_token


def _access_token_refreshed(account: UserSocialAuth, *, rejected_token: str | None) -> str:
    tokens = spotify_tokens_read(account)
    now = time.time()
    if not _token_needs_refresh(tokens, rejected_token=rejected_token, now=now):
        return tokens["access_token"]  # another request refreshed it while we waited for the lock
    access_token, refresh_token = tokens.get("access_token"), tokens.get("refresh_token")
    if not refresh_token:
        if not access_token:
            raise PlaybackAuthExpired()
        expires_at = _token_expires_at(tokens)
        if rejected_token is None and expires_at is not None and now < expires_at:
            return access_token  # inside the margin but still valid: use it while it lasts
        raise PlaybackRefreshTokenMissing()
    try:
        grant = spotify_access_token_refresh(refresh_token=refresh_token)
    except SpotifyAuthError as exc:
        logger.info("Spotify refused the refresh token of social account %s: %s", account.pk, exc.message)
        raise PlaybackAuthExpired() from exc
    except SpotifyError as exc:
        raise playback_error_for(exc) from exc
    fresh = {"access_token": grant.access_token, "token_type": grant.token_type, "auth_time": int(now)}
    fresh["expires"] = grant.expires_in
    if grant.refresh_token:
        fresh["refresh_token"] = grant.refresh_token
    spotify_tokens_write(account, fresh)
    return grant.access_token


def playback_error_for(exc: SpotifyError) -> PlaybackError:
    """The playback error a client sees for a Spotify failure."""
    if isinstance(exc, SpotifyPlayerCommandRefused):
        return PlaybackCommandRefused(exc.spotify_message or None, reason=exc.reason)
    if isinstance(exc, SpotifyAuthError):
        return PlaybackAuthExpired()
    if isinstance(exc, SpotifyBadRequest):
        return PlaybackCommandRefused()
    if isinstance(exc, SpotifyRateLimited | SpotifyUnavailable):
        return PlaybackProviderUnavailable(retry_after=exc.retry_after)
    return PlaybackProviderBadGateway()


def spotify_player_run(*, account: UserSocialAuth, action: Callable[[SpotifyPlayerClient], T]) -> T:
    """Run `action` on the account's player with its own token; on a 401, refresh once and retry once.

    Calls Spotify. Spotify's failures come out as playback errors.
    """
    access_token = spotify_access_token_get(account=account)
    try:
        return _run_with_token(action, access_token)
    except SpotifyAuthError:
        logger.info("Spotify answered 401 for social account %s; refreshing once", account.pk)
    access_token = spotify_access_token_get(account=account, rejected_token=access_token)
    try:
        return _run_with_token(action, access_token)
    except SpotifyAuthError as exc:
        raise PlaybackAuthExpired() from exc


def _run_with_token(action: Callable[[SpotifyPlayerClient], T], access_token: str) -> T:
    try:
        return action(SpotifyPlayerClient(access_token=access_token))
    except SpotifyAuthError:
        raise
    except SpotifyError as exc:
        raise playback_error_for(exc) from exc
