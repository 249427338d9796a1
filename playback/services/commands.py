"""Playback: control the signed-in user's own player on their linked streaming service.

Each service picks the provider (asked for, or the user's first linked one), sends one command
with the user's own credentials and then reads the new state. Errors are PlaybackError subclasses
(playback.types), which DRF renders as `{"detail", "code"[, "reason"]}`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.exceptions import ValidationError

from listening.services.playback import listen_record_from_playback
from playback.services.providers import playback_provider_get, playback_provider_list
from playback.types import (
    REPEAT_STATES,
    PlaybackAccountNotLinked,
    PlaybackDevice,
    PlaybackProvider,
    PlaybackProviderNotLinked,
    PlaybackProviderUnsupported,
    PlaybackState,
)

__all__ = [
    "playback_device_list",
    "playback_next",
    "playback_pause",
    "playback_previous",
    "playback_provider_resolve",
    "playback_queue_add",
    "playback_repeat_set",
    "playback_seek",
    "playback_shuffle_set",
    "playback_start",
    "playback_state_get",
    "playback_transfer",
    "playback_volume_set",
]


def playback_provider_resolve(*, user: AbstractBaseUser, provider: str | None = None) -> PlaybackProvider:
    """The provider to use: the one asked for (it must be linked), else the user's first linked one."""
    requested = (provider or "").strip()
    if requested:
        found = playback_provider_get(requested)
        if found is None:
            raise PlaybackProviderUnsupported(requested)
        if not found.is_linked(user=user):
            raise PlaybackProviderNotLinked(found.display_name)
        return found
    for candidate in playback_provider_list():
        if candidate.is_linked(user=user):
            return candidate
    raise PlaybackAccountNotLinked()


def _require_uri(resolved: PlaybackProvider, *, field: str, kind: str, uri: str | None) -> None:
    if uri is None:
        return
    message = resolved.uri_error(kind=kind, uri=uri)
    if message is not None:
        raise ValidationError({field: [message]})


def _command_then_state(
    *, user: AbstractBaseUser, provider: str | None, command: Callable[[PlaybackProvider], None]
) -> PlaybackState | None:
    resolved = playback_provider_resolve(user=user, provider=provider)
    command(resolved)
    return resolved.state_get(user=user)


def playback_state_get(*, user: AbstractBaseUser, provider: str | None = None) -> PlaybackState | None:
    """The user's current playback, or None when nothing is playing. Calls the provider.

    A track heard long enough becomes a listen (listening.services.playback).
    """
    state = playback_provider_resolve(user=user, provider=provider).state_get(user=user)
    listen_record_from_playback(user=user, state=state)
    return state


def playback_device_list(*, user: AbstractBaseUser, provider: str | None = None) -> tuple[str, list[PlaybackDevice]]:
    """The provider slug and the user's devices on it. Calls the provider."""
    resolved = playback_provider_resolve(user=user, provider=provider)
    return resolved.slug, resolved.device_list(user=user)


def playback_start(
    *,
    user: AbstractBaseUser,
    provider: str | None = None,
    device_id: str | None = None,
    track_uri: str | None = None,
    context_uri: str | None = None,
    position_ms: int | None = None,
) -> PlaybackState | None:
    """Play a track (wins over a context), a context, or resume; returns the new state. Calls the provider."""
    resolved = playback_provider_resolve(user=user, provider=provider)
    if track_uri:
        context_uri = None
    _require_uri(resolved, field="track_uri", kind="track", uri=track_uri)
    _require_uri(resolved, field="context_uri", kind="context", uri=context_uri)
    resolved.play(user=user, device_id=device_id, track_uri=track_uri, context_uri=context_uri, position_ms=position_ms)
    return resolved.state_get(user=user)


def playback_pause(
    *, user: AbstractBaseUser, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Pause the user's playback; returns the new state. Calls the provider."""
    return _command_then_state(user=user, provider=provider, command=lambda p: p.pause(user=user, device_id=device_id))


def playback_next(
    *, user: AbstractBaseUser, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Skip to the next track; returns the new state. Calls the provider."""
    return _command_then_state(user=user, provider=provider, command=lambda p: p.next(user=user, device_id=device_id))


def playback_previous(
    *, user: AbstractBaseUser, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Skip to the previous track; returns the new state. Calls the provider."""
    return _command_then_state(
        user=user, provider=provider, command=lambda p: p.previous(user=user, device_id=device_id)
    )


def playback_seek(
    *, user: AbstractBaseUser, position_ms: int, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Seek within the playing track; returns the new state. Calls the provider."""
    if position_ms < 0:
        raise ValidationError({"position_ms": ["Ensure this value is greater than or equal to 0."]})
    return _command_then_state(
        user=user,
        provider=provider,
        command=lambda p: p.seek(user=user, device_id=device_id, position_ms=position_ms),
    )


def playback_volume_set(
    *, user: AbstractBaseUser, volume_percent: int, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Set the device volume (0-100); returns the new state. Calls the provider."""
    if not 0 <= volume_percent <= 100:
        raise ValidationError({"volume_percent": ["Ensure this value is between 0 and 100."]})
    return _command_then_state(
        user=user,
        provider=provider,
        command=lambda p: p.volume_set(user=user, device_id=device_id, volume_percent=volume_percent),
    )


def playback_shuffle_set(
    *, user: AbstractBaseUser, state: bool, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Turn shuffle on or off; returns the new state. Calls the provider."""
    return _command_then_state(
        user=user, provider=provider, command=lambda p: p.shuffle_set(user=user, device_id=device_id, state=state)
    )


def playback_repeat_set(
    *, user: AbstractBaseUser, state: str, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Set repeat to track, context or off; returns the new state. Calls the provider."""
    if state not in REPEAT_STATES:
        raise ValidationError({"state": [f"Choose one of: {', '.join(REPEAT_STATES)}."]})
    return _command_then_state(
        user=user, provider=provider, command=lambda p: p.repeat_set(user=user, device_id=device_id, state=state)
    )


def playback_transfer(
    *, user: AbstractBaseUser, device_id: str, play: bool = False, provider: str | None = None
) -> PlaybackState | None:
    """Move playback to another of the user's devices; returns the new state. Calls the provider."""
    return _command_then_state(
        user=user, provider=provider, command=lambda p: p.transfer(user=user, device_id=device_id, play=play)
    )


def playback_queue_add(
    *, user: AbstractBaseUser, uri: str, provider: str | None = None, device_id: str | None = None
) -> PlaybackState | None:
    """Add a track to the end of the user's queue; returns the state. Calls the provider."""
    resolved = playback_provider_resolve(user=user, provider=provider)
    _require_uri(resolved, field="uri", kind="queue", uri=uri)
    resolved.queue_add(user=user, device_id=device_id, uri=uri)
    return resolved.state_get(user=user)
