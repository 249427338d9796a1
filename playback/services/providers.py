"""The playback provider registry (keyed by slug) and the Spotify provider with its token handling.

A new streaming service is a class implementing `PlaybackProvider` plus one `playback_provider_register`
call; the views and the playback services never name a provider.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from social_django.models import UserSocialAuth

from integrations.spotify.errors import (
    SpotifyAuthError,
    SpotifyBadRequest,
    SpotifyError,
    SpotifyRateLimited,
    SpotifyUnavailable,
)
from integrations.spotify.player import (
    SpotifyPlayerClient,
    SpotifyPlayerCommandRefused,
    spotify_access_token_refresh,
)
from juke_auth.services.spotify_credentials import spotify_credentials_read, spotify_credentials_write
from playback.types import (
    PlaybackAuthExpired,
    PlaybackCommandRefused,
    PlaybackDevice,
    PlaybackProvider,
    PlaybackProviderBadGateway,
    PlaybackProviderNotLinked,
    PlaybackProviderUnavailable,
    PlaybackRefreshTokenMissing,
    PlaybackState,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

_REGISTRY: dict[str, PlaybackProvider] = {}


def playback_provider_register(provider: PlaybackProvider) -> PlaybackProvider:
    """Make `provider` available under its slug (registration order is the auto-detect order)."""
    _REGISTRY[provider.slug] = provider
    return provider


def playback_provider_unregister(slug: str) -> None:
    """Remove a provider (tests, or a provider switched off)."""
    _REGISTRY.pop(slug, None)


def playback_provider_get(slug: str) -> PlaybackProvider | None:
    """The registered provider for `slug` (case-insensitive), or None."""
    return _REGISTRY.get(slug.strip().lower())


def playback_provider_list() -> list[PlaybackProvider]:
    """Every registered provider, in auto-detect order."""
    return list(_REGISTRY.values())


def playback_uri_error(*, kind: str, uri: str) -> str | None:
    """None when some registered provider accepts `uri` as a `kind` URI, else the first provider's message."""
    messages = []
    for provider in playback_provider_list():
        message = provider.uri_error(kind=kind, uri=uri)
        if message is None:
            return None
        messages.append(message)
    return messages[0] if messages else "No playback provider is configured."


# Spotify ------------------------------------------------------------------------------------

SPOTIFY = "spotify"
# Refresh this long before Spotify's stated expiry, so a token never expires mid-request.
SPOTIFY_TOKEN_REFRESH_MARGIN_SECONDS = 60
# social-core's rule: an `expires` above two years is an absolute timestamp, else a lifetime in seconds.
_EXPIRES_IS_TIMESTAMP_ABOVE = 63072000

_BASE62_ID = r"[0-9A-Za-z]{22}"
_SPOTIFY_URI_PATTERNS: dict[str, tuple[re.Pattern, str]] = {
    "track": (
        re.compile(rf"^spotify:track:{_BASE62_ID}$"),
        "Enter a Spotify track URI: spotify:track:<22-character id>.",
    ),
    "context": (
        re.compile(rf"^spotify:(album|artist|playlist|show):{_BASE62_ID}$"),
        "Enter a Spotify album, artist or playlist URI, e.g. spotify:album:<22-character id>.",
    ),
    "queue": (
        re.compile(rf"^spotify:(track|episode):{_BASE62_ID}$"),
        "Enter a Spotify track or episode URI: spotify:track:<22-character id>.",
    ),
}


def spotify_account_get(*, user: AbstractBaseUser) -> UserSocialAuth | None:
    """The user's linked Spotify account (the latest one if several), or None."""
    if not user or not user.is_authenticated:
        return None
    return UserSocialAuth.objects.filter(user=user, provider=SPOTIFY).order_by("-id").first()


def _extra_data(account: UserSocialAuth) -> dict:
    return spotify_credentials_read(account=account)  # tokens are encrypted at rest


def _token_expires_at(extra_data: dict) -> float | None:
    expires, auth_time = extra_data.get("expires"), extra_data.get("auth_time")
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


def _token_needs_refresh(extra_data: dict, *, rejected_token: str | None, now: float) -> bool:
    access_token = extra_data.get("access_token")
    if not access_token:
        return True
    if rejected_token is not None:
        # Spotify answered 401 for `rejected_token`: refresh unless someone already replaced it.
        return access_token == rejected_token
    expires_at = _token_expires_at(extra_data)
    return expires_at is not None and now >= expires_at - SPOTIFY_TOKEN_REFRESH_MARGIN_SECONDS


def spotify_access_token_get(*, account_id: int, rejected_token: str | None = None) -> str:
    """A usable Spotify access token for the linked account, refreshed when it is about to expire or was rejected.

    Calls Spotify's token endpoint when a refresh is due and stores the new token, its expiry and
    (only if Spotify rotated it) the new refresh token on the social account. The row is locked
    for the refresh, so concurrent requests of one user refresh once and reuse the result.
    """
    account = UserSocialAuth.objects.get(pk=account_id)
    if not _token_needs_refresh(_extra_data(account), rejected_token=rejected_token, now=time.time()):
        return _extra_data(account)["access_token"]

    with transaction.atomic():
        account = UserSocialAuth.objects.select_for_update().get(pk=account_id)
        extra_data = _extra_data(account)
        now = time.time()
        if not _token_needs_refresh(extra_data, rejected_token=rejected_token, now=now):
            return extra_data["access_token"]
        access_token = extra_data.get("access_token")
        refresh_token = extra_data.get("refresh_token")
        if not refresh_token:
            if not access_token:
                raise PlaybackAuthExpired("Spotify")
            expires_at = _token_expires_at(extra_data)
            if rejected_token is None and expires_at is not None and now < expires_at:
                return access_token  # inside the margin but still valid: use it while it lasts
            raise PlaybackRefreshTokenMissing("Spotify")
        try:
            grant = spotify_access_token_refresh(refresh_token=refresh_token)
        except SpotifyAuthError as exc:
            logger.info("Spotify refused the refresh token of social account %s: %s", account_id, exc.message)
            raise PlaybackAuthExpired("Spotify") from exc
        except SpotifyError as exc:
            raise _playback_error_for(exc) from exc
        extra_data.update(
            access_token=grant.access_token,
            token_type=grant.token_type,
            auth_time=int(now),
            expires=grant.expires_in,
        )
        if grant.refresh_token:
            extra_data["refresh_token"] = grant.refresh_token
        spotify_credentials_write(account=account, extra_data=extra_data)
        return grant.access_token


def _playback_error_for(exc: SpotifyError) -> Exception:
    if isinstance(exc, SpotifyPlayerCommandRefused):
        return PlaybackCommandRefused(exc.spotify_message or None, reason=exc.reason)
    if isinstance(exc, SpotifyAuthError):
        return PlaybackAuthExpired("Spotify")
    if isinstance(exc, SpotifyBadRequest):
        return PlaybackCommandRefused()
    if isinstance(exc, SpotifyRateLimited | SpotifyUnavailable):
        return PlaybackProviderUnavailable("Spotify", retry_after=exc.retry_after)
    return PlaybackProviderBadGateway("Spotify")


class SpotifyPlaybackProvider:
    """Spotify Connect through the Web API, with the user's social-auth tokens."""

    slug = SPOTIFY
    display_name = "Spotify"

    def is_linked(self, *, user: AbstractBaseUser) -> bool:
        return spotify_account_get(user=user) is not None

    def uri_error(self, *, kind: str, uri: str) -> str | None:
        pattern, message = _SPOTIFY_URI_PATTERNS[kind]
        return None if pattern.match(uri) else message

    def state_get(self, *, user: AbstractBaseUser) -> PlaybackState | None:
        return self._run(user=user, action=lambda client: client.get_playback_state())

    def device_list(self, *, user: AbstractBaseUser) -> list[PlaybackDevice]:
        return self._run(user=user, action=lambda client: client.get_devices())

    def play(self, *, user, device_id, track_uri, context_uri, position_ms) -> None:
        self._run(
            user=user,
            action=lambda client: client.start_playback(
                device_id=device_id, track_uri=track_uri, context_uri=context_uri, position_ms=position_ms
            ),
        )

    def pause(self, *, user, device_id) -> None:
        self._run(user=user, action=lambda client: client.pause_playback(device_id=device_id))

    def next(self, *, user, device_id) -> None:
        self._run(user=user, action=lambda client: client.skip_to_next(device_id=device_id))

    def previous(self, *, user, device_id) -> None:
        self._run(user=user, action=lambda client: client.skip_to_previous(device_id=device_id))

    def seek(self, *, user, device_id, position_ms) -> None:
        self._run(user=user, action=lambda client: client.seek(position_ms=position_ms, device_id=device_id))

    def volume_set(self, *, user, device_id, volume_percent) -> None:
        self._run(
            user=user, action=lambda client: client.set_volume(volume_percent=volume_percent, device_id=device_id)
        )

    def shuffle_set(self, *, user, device_id, state) -> None:
        self._run(user=user, action=lambda client: client.set_shuffle(state=state, device_id=device_id))

    def repeat_set(self, *, user, device_id, state) -> None:
        self._run(user=user, action=lambda client: client.set_repeat(state=state, device_id=device_id))

    def transfer(self, *, user, device_id, play) -> None:
        self._run(user=user, action=lambda client: client.transfer_playback(device_id=device_id, play=play))

    def queue_add(self, *, user, device_id, uri) -> None:
        self._run(user=user, action=lambda client: client.add_to_queue(uri=uri, device_id=device_id))

    def _run(self, *, user: AbstractBaseUser, action: Callable[[SpotifyPlayerClient], T]) -> T:
        """Run `action` with the user's own token; on a 401 refresh once and retry once."""
        account = spotify_account_get(user=user)
        if account is None:
            # The services check linking first; this guards direct callers.
            raise PlaybackProviderNotLinked(self.display_name)
        access_token = spotify_access_token_get(account_id=account.pk)
        try:
            return self._call(action, access_token)
        except SpotifyAuthError:
            logger.info("Spotify answered 401 for social account %s; refreshing once", account.pk)
        access_token = spotify_access_token_get(account_id=account.pk, rejected_token=access_token)
        try:
            return self._call(action, access_token)
        except SpotifyError as exc:
            raise _playback_error_for(exc) from exc

    @staticmethod
    def _call(action: Callable[[SpotifyPlayerClient], T], access_token: str) -> T:
        with SpotifyPlayerClient(access_token=access_token) as client:
            try:
                return action(client)
            except SpotifyAuthError:
                raise
            except SpotifyError as exc:
                raise _playback_error_for(exc) from exc


playback_provider_register(SpotifyPlaybackProvider())
