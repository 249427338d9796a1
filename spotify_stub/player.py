"""Stub Spotify player: per-user devices and playback state behind the real Web API player endpoints.

The Spotify user is derived from the bearer token (accounts.stub_user_id_for_token), so each user
only ever sees and changes their own player. State lives in the Django cache (shared by processes
when CACHE_URL points at Redis), guarded by a process lock. Progress advances with wall time; at
the end of a track the player moves on through the queue and the context, and stops at the end.

Status codes and error bodies follow Spotify: 204 after a command and when nothing is playing,
401 for a bad token ("invalid..." tokens) or an expired one ("expired..." tokens),
404 NO_ACTIVE_DEVICE, 403 PREMIUM_REQUIRED (Spotify users whose id starts with "free"),
403 "Restriction violated" (e.g. pausing a paused player), 400 for malformed parameters.
Track names come from our catalog (catalog.models.Track) when the id is known, else they are
synthesised deterministically from the id.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError

from spotify_stub.accounts import stub_user_id_for_token
from spotify_stub.transport import StubRequest, StubResponse, error, route

API = "api.spotify.com"
CACHE_PREFIX = "spotify-stub:player:"
CACHE_SECONDS = 7 * 24 * 3600
RESTART_INSTEAD_OF_PREVIOUS_AFTER_MS = 3000
HISTORY_LIMIT = 50
CONTEXT_LIMIT = 50

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID = r"[0-9A-Za-z]{22}"
_TRACK_URI = re.compile(rf"^spotify:track:({_ID})$")
_QUEUE_URI = re.compile(rf"^spotify:(track|episode):({_ID})$")
_CONTEXT_URI = re.compile(rf"^spotify:(album|artist|playlist|show):({_ID})$")
_REPEAT_STATES = ("track", "context", "off")

_WORDS_A = ["Midnight", "Golden", "Electric", "Silent", "Neon", "Paper", "Velvet", "Crystal", "Wild", "Lunar"]
_WORDS_B = ["Echo", "Highway", "Garden", "Signal", "Tide", "Parade", "Dream", "Machine", "Horizon", "Static"]

_lock = threading.Lock()


# Ids and catalogue -----------------------------------------------------------------------------


def _digest(*parts: str) -> bytes:
    return hashlib.sha256(":".join(parts).encode()).digest()


def _base62_id(*parts: str) -> str:
    number = int.from_bytes(_digest(*parts), "big")
    chars = []
    for _ in range(22):
        number, index = divmod(number, 62)
        chars.append(_BASE62[index])
    return "".join(chars)


def _device_id(user_id: str, name: str) -> str:
    return hashlib.sha1(f"{user_id}:{name}".encode()).hexdigest()


def _images(items: Any) -> list[dict]:
    """Spotify image objects from URL strings or {"url": ...} objects."""
    urls = [item.get("url") if isinstance(item, dict) else item for item in (items if isinstance(items, list) else [])]
    return [{"url": url, "height": None, "width": None} for url in urls if isinstance(url, str) and url]


def _simple(kind: str, spotify_id: str, name: str, **extra: Any) -> dict:
    return {
        "id": spotify_id,
        "uri": f"spotify:{kind}:{spotify_id}",
        "name": name,
        "type": kind,
        "href": f"https://api.spotify.com/v1/{kind}s/{spotify_id}",
        "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{spotify_id}"},
        **extra,
    }


def _synthetic_track(track_id: str) -> dict:
    digest = _digest("track", track_id)
    name = f"{_WORDS_A[digest[0] % 10]} {_WORDS_B[digest[1] % 10]}"
    artist_id = _base62_id("artist", track_id)
    album_id = _base62_id("album", track_id)
    artist = _simple("artist", artist_id, f"Stub Artist {artist_id[:4]}")
    album = _simple(
        "album",
        album_id,
        f"{_WORDS_B[digest[2] % 10]}s",
        album_type="album",
        artists=[artist],
        images=_images([f"https://picsum.photos/seed/{album_id}/640/640"]),
        release_date="2020-01-01",
    )
    return _simple(
        "track",
        track_id,
        name,
        duration_ms=150_000 + int.from_bytes(digest[3:6], "big") % 120_000,
        album=album,
        artists=[artist],
        explicit=False,
        track_number=1 + digest[6] % 12,
        disc_number=1,
        is_local=False,
        popularity=digest[7] % 100,
    )


def _catalog_tracks(**filters: Any) -> list:
    """Our catalog's tracks matching `filters`, or [] when the database cannot be used here."""
    from catalog.models import Track

    try:
        queryset = Track.objects.filter(**filters).select_related("album").prefetch_related("artists", "album__artists")
        return list(queryset.order_by("album_id", "disc_number", "track_number", "id").distinct()[:CONTEXT_LIMIT])
    except (DatabaseError, RuntimeError):  # RuntimeError: a test without database access
        return []


def _track_from_model(track) -> dict:
    artists = list(track.artists.all()) or (list(track.album.artists.all()) if track.album else [])
    artist_objects = [_simple("artist", artist.spotify_id, artist.name) for artist in artists]
    album = None
    if track.album:
        album = _simple(
            "album",
            track.album.spotify_id,
            track.album.name,
            album_type=track.album.album_type.lower(),
            artists=[_simple("artist", a.spotify_id, a.name) for a in track.album.artists.all()],
            images=_images(track.album.images)
            or _images((track.album.spotify_data or {}).get("images"))
            or _synthetic_track(track.spotify_id)["album"]["images"],
            release_date=track.album.release_date.isoformat() if track.album.release_date else None,
        )
    return _simple(
        "track",
        track.spotify_id,
        track.name,
        duration_ms=track.duration_ms or _synthetic_track(track.spotify_id)["duration_ms"],
        album=album or _synthetic_track(track.spotify_id)["album"],
        artists=artist_objects or _synthetic_track(track.spotify_id)["artists"],
        explicit=track.explicit,
        track_number=track.track_number,
        disc_number=track.disc_number,
        is_local=False,
        popularity=track.popularity or 0,
    )


def _track_object(track_id: str) -> dict:
    found = _catalog_tracks(spotify_id=track_id)
    return _track_from_model(found[0]) if found else _synthetic_track(track_id)


def _context_tracks(kind: str, context_id: str) -> list[dict]:
    if kind == "album":
        found = _catalog_tracks(album__spotify_id=context_id)
    elif kind == "artist":
        found = _catalog_tracks(artists__spotify_id=context_id) or _catalog_tracks(
            album__artists__spotify_id=context_id
        )
    else:
        found = []
    if found:
        return [_track_from_model(track) for track in found]
    return [_synthetic_track(_base62_id(kind, context_id, str(index))) for index in range(8)]


# State -----------------------------------------------------------------------------------------


def _now_ms() -> int:
    return int(time.time() * 1000)


def _initial_state(user_id: str) -> dict:
    return {
        "devices": [
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
        ],
        "active_device_id": None,
        "item": None,
        "context_uri": None,
        "context_tracks": [],
        "context_index": 0,
        "queue": [],
        "history": [],
        "is_playing": False,
        "progress_ms": 0,
        "progress_at": _now_ms(),
        "shuffle": False,
        "repeat": "off",
    }


def _load(user_id: str) -> dict:
    return cache.get(CACHE_PREFIX + user_id) or _initial_state(user_id)


def _save(user_id: str, state: dict) -> None:
    cache.set(CACHE_PREFIX + user_id, state, CACHE_SECONDS)


def stub_player_reset(*, user_id: str) -> None:
    """Forget a stub user's player (tests, demos)."""
    cache.delete(CACHE_PREFIX + user_id)


def _set_item(state: dict, item: dict | None, *, progress_ms: int = 0) -> None:
    state["item"] = item
    state["progress_ms"] = progress_ms
    state["progress_at"] = _now_ms()


def _advance(state: dict, *, manual: bool) -> bool:
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
            tracks = [_synthetic_track(_base62_id("autoplay", current["id"]))]
        else:
            return False
        state["context_index"] = index
        next_item = tracks[index]
    if current:
        state["history"] = (state["history"] + [current])[-HISTORY_LIMIT:]
    _set_item(state, next_item)
    return True


def _settle(state: dict) -> None:
    """Bring progress up to now, moving through tracks that have ended meanwhile."""
    now = _now_ms()
    if state["item"] and state["is_playing"]:
        progress = state["progress_ms"] + max(0, now - state["progress_at"])
        for _ in range(1000):
            duration = max(1, int(state["item"]["duration_ms"]))
            if progress < duration:
                break
            overflow = progress - duration
            if state["repeat"] == "track":
                progress = overflow % duration
                continue
            if not _advance(state, manual=False):
                state["is_playing"], progress = False, 0
                break
            progress = overflow
        state["progress_ms"] = progress
    state["progress_at"] = now


def _active_device(state: dict) -> dict | None:
    for device in state["devices"]:
        if device["id"] == state["active_device_id"]:
            return device
    return None


def _device_payload(state: dict, device: dict) -> dict:
    return {**device, "is_active": device["id"] == state["active_device_id"]}


def _playback_payload(state: dict, *, with_device: bool) -> dict:
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
        "timestamp": _now_ms(),
        "context": context,
        "progress_ms": state["progress_ms"],
        "is_playing": state["is_playing"],
        "item": state["item"],
        "currently_playing_type": "track",
        "actions": {"disallows": {"resuming": True} if state["is_playing"] else {"pausing": True}},
    }
    if with_device:
        payload.update(
            device=_device_payload(state, _active_device(state)),
            repeat_state=state["repeat"],
            shuffle_state=state["shuffle"],
        )
    return payload


# Request plumbing ------------------------------------------------------------------------------


def _user_id(request: StubRequest) -> tuple[str | None, StubResponse | None]:
    token = request.bearer_token
    if not token:
        return None, error(401, "No token provided")
    if token.startswith("invalid"):
        return None, error(401, "Invalid access token")
    if token.startswith("expired"):
        return None, error(401, "The access token expired")
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
    with _lock:
        state = _load(user_id)
        _settle(state)
        device_id = request.query.get("device_id")
        if device_id and not any(device["id"] == device_id for device in state["devices"]):
            return error(404, "Device not found")
        answer = handler(request, state, device_id)
        if answer is None:
            _save(user_id, state)
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
    with _lock:
        state = _load(user_id)
        _settle(state)
        _save(user_id, state)
    if state["active_device_id"] is None or state["item"] is None:
        return StubResponse(204)
    return StubResponse(200, _playback_payload(state, with_device=with_device))


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
    with _lock:
        state = _load(user_id)
    return StubResponse(200, {"devices": [_device_payload(state, device) for device in state["devices"]]})


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
    uris, context_uri, offset = body.get("uris"), body.get("context_uri"), body.get("offset") or {}
    if uris is not None or context_uri is not None:
        if uris is not None:
            if not isinstance(uris, list) or not uris:
                return error(400, "Invalid track uri")
            ids = []
            for uri in uris:
                found = _TRACK_URI.match(uri) if isinstance(uri, str) else None
                if not found:
                    return error(400, f"Invalid track uri: {uri}")
                ids.append(found.group(1))
            tracks = [_track_object(track_id) for track_id in ids[:CONTEXT_LIMIT]]
            state["context_uri"] = None
        else:
            found = _CONTEXT_URI.match(context_uri) if isinstance(context_uri, str) else None
            if not found:
                return error(400, "Invalid context uri")
            tracks = _context_tracks(found.group(1), found.group(2))
            state["context_uri"] = context_uri
        index = 0
        if isinstance(offset.get("position"), int) and 0 <= offset["position"] < len(tracks):
            index = offset["position"]
        elif isinstance(offset.get("uri"), str):
            index = next((i for i, track in enumerate(tracks) if track["uri"] == offset["uri"]), 0)
        if state["item"]:
            state["history"] = (state["history"] + [state["item"]])[-HISTORY_LIMIT:]
        state["context_tracks"], state["context_index"] = tracks, index
        _set_item(state, tracks[index], progress_ms=position or 0)
    elif state["item"] is None:
        return _no_active_device() if not device_id else _restricted()
    elif position is not None:
        _set_item(state, state["item"], progress_ms=position)
    state["active_device_id"] = target
    state["is_playing"] = True
    state["progress_at"] = _now_ms()
    _settle(state)  # a position past the end moves on, like Spotify
    return None


@route("PUT", API, "/v1/me/player/play")
def play(request: StubRequest, match) -> StubResponse:
    return _command(request, _play)


def _pause(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    if failure := _require_active(state, device_id):
        return failure
    if not state["is_playing"]:
        return _restricted()
    state["is_playing"] = False
    return None


@route("PUT", API, "/v1/me/player/pause")
def pause(request: StubRequest, match) -> StubResponse:
    return _command(request, _pause)


def _next(request: StubRequest, state: dict, device_id: str | None) -> StubResponse | None:
    if failure := _require_active(state, device_id):
        return failure
    if state["item"] is None:
        return _restricted()
    _advance(state, manual=True)
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
        _set_item(state, state["item"])
        return None
    previous_item = state["history"].pop()
    tracks, index = state["context_tracks"], state["context_index"]
    if index > 0 and tracks[index - 1]["id"] == previous_item["id"]:
        state["context_index"] = index - 1
    else:
        state["queue"].insert(0, state["item"])  # coming back to it with "next"
    _set_item(state, previous_item)
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
    _set_item(state, state["item"], progress_ms=position)
    _settle(state)
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
    device = _active_device(state)
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
    state["queue"].append(_track_object(found.group(2)))
    return None


@route("POST", API, "/v1/me/player/queue")
def queue_add(request: StubRequest, match) -> StubResponse:
    return _command(request, _queue)
