"""Stub Spotify player: per-user devices and playback state behind the real Web API player endpoints.

The Spotify user is derived from the bearer token (accounts.stub_user_id_for_token), so each user
only ever sees and changes their own player. State lives in the Django cache (shared by processes
when CACHE_URL points at Redis, see player_state.py), guarded by a process lock.

Status codes and error bodies follow Spotify: 204 after a command and when nothing is playing,
401 for a bad token ("invalid..." tokens) or an expired one ("expired..." tokens),
404 NO_ACTIVE_DEVICE, 403 PREMIUM_REQUIRED (Spotify users whose id starts with "free"),
403 "Restriction violated" (e.g. pausing a paused player), 400 for malformed parameters. A command
naming an inactive device wakes it; a player paused for 30 minutes has no active device any more, and
"nodevice*" users have none at all (player_state.py).
Tracks come from player_tracks.py.
"""

from __future__ import annotations

import re

from spotify_stub.accounts import stub_user_id_for_token
from spotify_stub.player_state import CACHE_PREFIX as CACHE_PREFIX  # read by other stub modules
from spotify_stub.player_state import CACHE_SECONDS as CACHE_SECONDS
from spotify_stub.player_state import (
    HISTORY_LIMIT,
    STATE_LOCK,
    active_device,
    advance,
    device_payload,
    item_set,
    now_ms,
    playback_payload,
    playback_stop,
    settle,
    state_load,
    state_save,
)
from spotify_stub.player_tracks import CONTEXT_LIMIT, context_tracks, track_object
from spotify_stub.transport import StubRequest, StubResponse, error, route

API = "api.spotify.com"
RESTART_INSTEAD_OF_PREVIOUS_AFTER_MS = 3000

_ID = r"[0-9A-Za-z]{22}"
_TRACK_URI = re.compile(rf"^spotify:track:({_ID})$")
_QUEUE_URI = re.compile(rf"^spotify:(track|episode):({_ID})$")
_CONTEXT_URI = re.compile(rf"^spotify:(album|artist|playlist|show):({_ID})$")
_REPEAT_STATES = ("track", "context", "off")


def _user_id(request: StubRequest) -> tuple[str, StubResponse | None]:
    token = request.bearer_token
    if not token:
        return "", error(401, "No token provided")
    if token.startswith("invalid"):
        return "", error(401, "Invalid access token")
    if token.startswith("expired"):
        return "", error(401, "The access token expired")
    return stub_user_id_for_token(token), None


def _no_active_device() -> StubResponse:
    return error(404, "Player command failed: No active device found", "NO_ACTIVE_DEVICE")


def _restricted() -> StubResponse:
    return error(403, "Player command failed: Restriction violated", "UNKNOWN")


def _command(request: StubRequest, handler) -> StubResponse:
    """Run a player command for the token's user under the lock; 204 unless the handler answers."""
    user_id, failure = _user_id(request)
    if failure:
        return failure
    if user_id.startswith("free"):
        return error(403, "Player command failed: Premium required", "PREMIUM_REQUIRED")
    with STATE_LOCK:
        state = state_load(user_id)
        settle(state)
        device_id = request.query.get("device_id")
        if device_id and not any(device["id"] == device_id for device in state["devices"]):
            return error(404, "Device not found")
        answer = handler(request, state, device_id)
        if answer is None:
            state_save(user_id, state)
            return StubResponse(204)
        return answer


def _require_active(state: dict, device_id: str | None) -> StubResponse | None:
    if state["active_device_id"] is None or (device_id and device_id != state["active_device_id"]):
        return _no_active_device()
    return None


def _read(request: StubRequest, *, with_device: bool) -> StubResponse:
    user_id, failure = _user_id(request)
    if failure:
        return failure
    with STATE_LOCK:
        state = state_load(user_id)
        settle(state)
        state_save(user_id, state)
    if state["active_device_id"] is None or state["item"] is None:
        return StubResponse(204)
    return StubResponse(200, playback_payload(state, with_device=with_device))


# Endpoints -------------------------------------------------------------------------------------


@route("GET", API, "/v1/me/player")
def playback_state(request: StubRequest, match) -> StubResponse:
    return _read(request, with_device=True)


@route("GET", API, "/v1/me/player/currently-playing")
def currently_playing(request: StubRequest, match) -> StubResponse:
    return _read(request, with_device=False)


@route("GET", API, "/v1/me/player/devices")
def devices(request: StubRequest, match) -> StubResponse:
    user_id, failure = _user_id(request)
    if failure:
        return failure
    with STATE_LOCK:
        state = state_load(user_id)
    return StubResponse(200, {"devices": [device_payload(state, device) for device in state["devices"]]})


def _requested_tracks(body: dict) -> tuple[list[dict], str | None] | StubResponse:
    """The tracks a play body asks for (`uris`, else `context_uri`) and its context, or a 400."""
    uris, context_uri = body.get("uris"), body.get("context_uri")
    if uris is None:
        found = _CONTEXT_URI.match(context_uri) if isinstance(context_uri, str) else None
        if not found:
            return error(400, "Invalid context uri")
        return context_tracks(found.group(1), found.group(2)), context_uri
    if not isinstance(uris, list) or not uris:
        return error(400, "Invalid track uri")
    ids = []
    for uri in uris:
        found = _TRACK_URI.match(uri) if isinstance(uri, str) else None
        if not found:
            return error(400, f"Invalid track uri: {uri}")
        ids.append(found.group(1))
    return [track_object(track_id) for track_id in ids[:CONTEXT_LIMIT]], None


def _start_tracks(state: dict, tracks: list[dict], *, context_uri: str | None, offset: dict, position: int) -> None:
    index = 0
    if isinstance(offset.get("position"), int) and 0 <= offset["position"] < len(tracks):
        index = offset["position"]
    elif isinstance(offset.get("uri"), str):
        index = next((i for i, track in enumerate(tracks) if track["uri"] == offset["uri"]), 0)
    if state["item"]:
        state["history"] = (state["history"] + [state["item"]])[-HISTORY_LIMIT:]
    state["context_uri"] = context_uri
    state["context_tracks"], state["context_index"] = tracks, index
    item_set(state, tracks[index], progress_ms=position)


def _play(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    try:
        body = request.json()
    except ValueError:
        return error(400, "Malformed json")
    if not isinstance(body, dict):
        return error(400, "Malformed json")
    target = device_id or state["active_device_id"]
    if target is None:
        return _no_active_device()
    position = body.get("position_ms")
    if position is not None and (not isinstance(position, int) or position < 0):
        return error(400, "Invalid position_ms")
    if body.get("uris") is not None or body.get("context_uri") is not None:
        requested = _requested_tracks(body)
        if isinstance(requested, StubResponse):
            return requested
        tracks, context_uri = requested
        _start_tracks(state, tracks, context_uri=context_uri, offset=body.get("offset") or {}, position=position or 0)
    elif state["item"] is None:
        return _no_active_device() if not device_id else _restricted()
    elif position is not None:
        item_set(state, state["item"], progress_ms=position)
    state["active_device_id"] = target
    state["is_playing"] = True
    state["progress_at"] = now_ms()
    settle(state)  # a position past the end moves on, like Spotify
    return None


@route("PUT", API, "/v1/me/player/play")
def play(request: StubRequest, match) -> StubResponse:
    return _command(request, _play)


def _pause(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    if failure := _require_active(state, device_id):
        return failure
    if not state["is_playing"]:
        return _restricted()
    playback_stop(state, at_ms=now_ms())
    return None


@route("PUT", API, "/v1/me/player/pause")
def pause(request: StubRequest, match) -> StubResponse:
    return _command(request, _pause)


def _next(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    if failure := _require_active(state, device_id):
        return failure
    if state["item"] is None:
        return _restricted()
    advance(state, manual=True)
    state["is_playing"] = True  # skipping starts the new track, as Spotify does
    return None


@route("POST", API, "/v1/me/player/next")
def next_track(request: StubRequest, match) -> StubResponse:
    return _command(request, _next)


def _previous(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    if failure := _require_active(state, device_id):
        return failure
    if state["item"] is None:
        return _restricted()
    state["is_playing"] = True
    if state["progress_ms"] > RESTART_INSTEAD_OF_PREVIOUS_AFTER_MS or not state["history"]:
        item_set(state, state["item"])
        return None
    previous_item = state["history"].pop()
    tracks, index = state["context_tracks"], state["context_index"]
    if index > 0 and tracks[index - 1]["id"] == previous_item["id"]:
        state["context_index"] = index - 1
    else:
        state["queue"].insert(0, state["item"])  # coming back to it with "next"
    item_set(state, previous_item)
    return None


@route("POST", API, "/v1/me/player/previous")
def previous_track(request: StubRequest, match) -> StubResponse:
    return _command(request, _previous)


def _int_param(request: StubRequest, name: str) -> int | None:
    raw = request.query.get(name, "")
    return int(raw) if re.fullmatch(r"\d+", raw) else None


def _seek(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    position = _int_param(request, "position_ms")
    if position is None:
        return error(400, "Invalid position_ms")
    if failure := _require_active(state, device_id):
        return failure
    if state["item"] is None:
        return _restricted()
    item_set(state, state["item"], progress_ms=position)
    settle(state)
    return None


@route("PUT", API, "/v1/me/player/seek")
def seek(request: StubRequest, match) -> StubResponse:
    return _command(request, _seek)


def _volume(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    volume = _int_param(request, "volume_percent")
    if volume is None or volume > 100:
        return error(400, "Invalid volume value")
    if failure := _require_active(state, device_id):
        return failure
    device = active_device(state)
    if device is None:
        return _no_active_device()
    if not device["supports_volume"]:
        return error(403, "Player command failed: Cannot control device volume", "VOLUME_CONTROL_DISALLOW")
    device["volume_percent"] = volume
    return None


@route("PUT", API, "/v1/me/player/volume")
def volume(request: StubRequest, match) -> StubResponse:
    return _command(request, _volume)


def _shuffle(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    value = request.query.get("state")
    if value not in ("true", "false"):
        return error(400, "Invalid state")
    if failure := _require_active(state, device_id):
        return failure
    state["shuffle"] = value == "true"
    return None


@route("PUT", API, "/v1/me/player/shuffle")
def shuffle(request: StubRequest, match) -> StubResponse:
    return _command(request, _shuffle)


def _repeat(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    value = request.query.get("state")
    if value not in _REPEAT_STATES:
        return error(400, "Invalid state")
    if failure := _require_active(state, device_id):
        return failure
    state["repeat"] = value
    return None


@route("PUT", API, "/v1/me/player/repeat")
def repeat(request: StubRequest, match) -> StubResponse:
    return _command(request, _repeat)


def _transfer(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    try:
        body = request.json()
    except ValueError:
        return error(400, "Malformed json")
    device_ids = body.get("device_ids") if isinstance(body, dict) else None
    if not isinstance(device_ids, list) or len(device_ids) != 1 or not isinstance(device_ids[0], str):
        return error(400, "Exactly one device id is supported")
    if not any(device["id"] == device_ids[0] for device in state["devices"]):
        return error(404, "Device not found")
    state["active_device_id"] = device_ids[0]
    if body.get("play") is True and state["item"]:
        state["is_playing"] = True
    return None


@route("PUT", API, "/v1/me/player")
def transfer(request: StubRequest, match) -> StubResponse:
    return _command(request, _transfer)


def _queue(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    found = _QUEUE_URI.match(request.query.get("uri", ""))
    if not found:
        return error(400, "Invalid uri")
    if failure := _require_active(state, device_id):
        return failure
    state["queue"].append(track_object(found.group(2)))
    return None


@route("POST", API, "/v1/me/player/queue")
def queue_add(request: StubRequest, match) -> StubResponse:
    return _command(request, _queue)
