"""Playback: read and control the signed-in user's own Spotify player.

A caller first gets the user's linked account (`playback_account_get`: one query, and the errors
that tell the user to link one), then reads the state or sends a command from the table in
playback.commands. Errors are playback.errors domain errors.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from redis.exceptions import RedisError
from social_django.models import UserSocialAuth

from integrations.spotify.player import NO_ACTIVE_DEVICE, SpotifyPlayerClient, SpotifyPlayerCommandRefused
from integrations.spotify.player_state import PlaybackDevice, PlaybackState
from juke_auth.models import JukeUser
from listening.services.playback import listen_record_from_playback
from playback.commands import PlaybackCommand
from playback.errors import (
    PlaybackAccountNotLinked,
    PlaybackNoDevice,
    PlaybackProviderNotLinked,
    PlaybackProviderUnsupported,
)
from playback.services.spotify_account import SPOTIFY_PROVIDER, spotify_account_get, spotify_player_run

logger = logging.getLogger(__name__)

LAST_ACTIVE_DEVICE_CACHE_SECONDS = 90 * 24 * 3600


def playback_account_get(*, user: JukeUser, provider: str | None = None) -> UserSocialAuth:
    """The user's linked account for `provider` (blank: their first linked one). One query.

    Raises the error that tells the user what to do first: link an account, or use a supported provider.
    """
    requested = (provider or "").strip()
    if requested and requested.lower() != SPOTIFY_PROVIDER:
        raise PlaybackProviderUnsupported(requested)
    account = spotify_account_get(user=user)
    if account is None:
        raise PlaybackProviderNotLinked() if requested else PlaybackAccountNotLinked()
    return account


def playback_state_get(*, account: UserSocialAuth) -> PlaybackState | None:
    """The user's current playback, or None when nothing is playing. Calls Spotify.

    A track heard long enough becomes a listen (listening.services.playback).
    """
    state = spotify_player_run(account=account, action=SpotifyPlayerClient.get_playback_state)
    _active_device_remember(account=account, state=state)
    listen_record_from_playback(user_id=account.user_id, state=state)
    return state


def playback_device_list(*, account: UserSocialAuth) -> list[PlaybackDevice]:
    """The user's available Spotify Connect devices. Calls Spotify."""
    return spotify_player_run(account=account, action=SpotifyPlayerClient.get_devices)


def playback_command_run(
    *, account: UserSocialAuth, command: PlaybackCommand, arguments: dict[str, Any]
) -> PlaybackState | None:
    """Send one command of the table with its validated `arguments`, then read the new state. Calls Spotify.

    A command that wakes a device (play, resume), sent with no device named while none is active,
    plays on the user's most recently active available device, else the first; with no device at
    all it raises PlaybackNoDevice.
    """

    def send(client: SpotifyPlayerClient) -> None:
        try:
            command.call(client, **arguments)
        except SpotifyPlayerCommandRefused as refusal:
            if not (command.wakes_a_device and not arguments.get("device_id") and refusal.reason == NO_ACTIVE_DEVICE):
                raise
            device = _device_to_wake(client.get_devices(), remembered_id=_active_device_remembered(account=account))
            command.call(client, **{**arguments, "device_id": device.id})

    spotify_player_run(account=account, action=send)
    return playback_state_get(account=account)


def _device_to_wake(devices: list[PlaybackDevice], *, remembered_id: str | None) -> PlaybackDevice:
    usable = [device for device in devices if device.id and not device.is_restricted]
    if not usable:
        raise PlaybackNoDevice()
    return next((device for device in usable if device.id == remembered_id), usable[0])


# Spotify lists devices in no particular order and keeps no "last used" date, so we remember the
# last device we saw active. A cache outage only loses this hint: it never fails a request.


def _active_device_key(account: UserSocialAuth) -> str:
    return f"playback:last-active-device:{account.user_id}"


def _active_device_remember(*, account: UserSocialAuth, state: PlaybackState | None) -> None:
    if state is None or state.device is None or not state.device.is_active or not state.device.id:
        return
    try:
        cache.set(_active_device_key(account), state.device.id, LAST_ACTIVE_DEVICE_CACHE_SECONDS)
    except RedisError as exc:
        logger.warning("Cannot remember the active playback device: %s", exc)


def _active_device_remembered(*, account: UserSocialAuth) -> str | None:
    try:
        return cache.get(_active_device_key(account))
    except RedisError as exc:
        logger.warning("Cannot read the last active playback device: %s", exc)
        return None
