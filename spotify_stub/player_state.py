"""The stub player's per-user state: devices, the playing item, queue and history, kept in the Django cache.

Progress advances with wall time; at the end of a track the player moves on through the queue and the
context, and stops at the end. Like Spotify, a player left paused for IDLE_DEVICE_AFTER_MS loses its
active device. Spotify users whose id starts with "nodevice" have Spotify open nowhere: no devices.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time

from django.core.cache import cache

from spotify_stub.player_tracks import base62_id, synthetic_track

CACHE_PREFIX = "spotify-stub:player:"
CACHE_SECONDS = 7 * 24 * 3600
HISTORY_LIMIT = 50
IDLE_DEVICE_AFTER_MS = 30 * 60 * 1000

# Guards read-modify-write of a user's state within this process.
STATE_LOCK = threading.Lock()


def _device_id(user_id: str, name: str) -> str:
    return hashlib.sha1(f"{user_id}:{name}".encode(), usedforsecurity=False).hexdigest()


def now_ms() -> int:
    return int(time.time() * 1000)


def _initial_state(user_id: str) -> dict:
    devices = [] if user_id.startswith("nodevice") else _stub_devices(user_id)
    return {
        "devices": devices,
        "active_device_id": None,
        "item": None,
        "context_uri": None,
        "context_tracks": [],
        "context_index": 0,
        "queue": [],
        "history": [],
        "is_playing": False,
        "paused_at": None,
        "progress_ms": 0,
        "progress_at": now_ms(),
        "shuffle": False,
        "repeat": "off",
    }


def _stub_devices(user_id: str) -> list[dict]:
    return [
        {
            "id": _device_id(user_id, "web"),
            "name": "Juke Web Player",
            "type": "Computer",
            "volume_percent": 65,
            "is_private_session": False,
            "is_restricted": False,
            "supports_volume": True,
        },
        {
            "id": _device_id(user_id, "phone"),
            "name": "Stub Phone",
            "type": "Smartphone",
            "volume_percent": 80,
            "is_private_session": False,
            "is_restricted": False,
            "supports_volume": True,
        },
    ]


def state_load(user_id: str) -> dict:
    return cache.get(CACHE_PREFIX + user_id) or _initial_state(user_id)


def state_save(user_id: str, state: dict) -> None:
    cache.set(CACHE_PREFIX + user_id, state, CACHE_SECONDS)


def stub_player_reset(*, user_id: str) -> None:
    """Forget a stub user's player (tests, demos)."""
    cache.delete(CACHE_PREFIX + user_id)


def stub_player_wait(*, user_id: str, seconds: float) -> None:
    """Let `seconds` pass on a stub user's player, as if nobody touched it meanwhile (tests, demos)."""
    with STATE_LOCK:
        state = state_load(user_id)
        shift = int(seconds * 1000)
        state["progress_at"] -= shift
        if state.get("paused_at") is not None:
            state["paused_at"] -= shift
        state_save(user_id, state)


def item_set(state: dict, item: dict | None, *, progress_ms: int = 0) -> None:
    state["item"] = item
    state["progress_ms"] = progress_ms
    state["progress_at"] = now_ms()


def advance(state: dict, *, manual: bool) -> bool:
    """Move to the next track (queue, then context); False when there is none (auto only)."""
    current = state["item"]
    if state["queue"]:
        next_item = state["queue"].pop(0)
    else:
        tracks, index = state["context_tracks"], state["context_index"]
        if state["shuffle"] and len(tracks) > 1:
            chooser = random.Random(f"{state['context_uri']}:{len(state['history'])}")  # noqa: S311 - not crypto
            index = chooser.choice([i for i in range(len(tracks)) if i != index])
        elif index + 1 < len(tracks):
            index += 1
        elif state["repeat"] == "context" and tracks:
            index = 0
        elif manual and current:
            # Spotify's autoplay: something similar keeps playing.
            state["context_uri"], state["context_tracks"], index = None, [], 0
            tracks = [synthetic_track(base62_id("autoplay", current["id"]))]
        else:
            return False
        state["context_index"] = index
        next_item = tracks[index]
    if current:
        state["history"] = (state["history"] + [current])[-HISTORY_LIMIT:]
    item_set(state, next_item)
    return True


def playback_stop(state: dict, *, at_ms: int) -> None:
    """Stop playing; the device stays active until the player has been idle for IDLE_DEVICE_AFTER_MS."""
    state["is_playing"] = False
    state["paused_at"] = at_ms


def settle(state: dict) -> None:
    """Bring the player up to now: progress, tracks that ended meanwhile, a device left idle too long."""
    now = now_ms()
    if state["item"] and state["is_playing"]:
        state["progress_ms"] = _progress_until(state, now)
    if state["is_playing"]:
        state["paused_at"] = None
    elif state.get("paused_at") is not None and now - state["paused_at"] >= IDLE_DEVICE_AFTER_MS:
        state["active_device_id"] = None
    state["progress_at"] = now


def _progress_until(state: dict, now: int) -> int:
    progress = state["progress_ms"] + max(0, now - state["progress_at"])
    for _ in range(1000):
        duration = max(1, int(state["item"]["duration_ms"]))
        if progress < duration:
            break
        overflow = progress - duration
        if state["repeat"] == "track":
            progress = overflow % duration
            continue
        if not advance(state, manual=False):
            playback_stop(state, at_ms=now - overflow)
            return 0
        progress = overflow
    return progress


def active_device(state: dict) -> dict | None:
    for device in state["devices"]:
        if device["id"] == state["active_device_id"]:
            return device
    return None


def device_payload(state: dict, device: dict | None) -> dict:
    if device is None:
        raise LookupError("no active device to describe")
    return {**device, "is_active": device["id"] == state["active_device_id"]}


def playback_payload(state: dict, *, with_device: bool) -> dict:
    context = None
    if state["context_uri"]:
        kind, context_id = state["context_uri"].split(":")[1:3]
        context = {
            "type": kind,
            "uri": state["context_uri"],
            "href": f"https://api.spotify.com/v1/{kind}s/{context_id}",
            "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{context_id}"},
        }
    payload = {
        "timestamp": now_ms(),
        "context": context,
        "progress_ms": state["progress_ms"],
        "is_playing": state["is_playing"],
        "item": state["item"],
        "currently_playing_type": "track",
        "actions": {"disallows": {"resuming": True} if state["is_playing"] else {"pausing": True}},
    }
    if with_device:
        payload.update(
            device=device_payload(state, active_device(state)),
            repeat_state=state["repeat"],
            shuffle_state=state["shuffle"],
        )
    return payload
