"""Stub Spotify library endpoints: recently played, top artists and tracks, saved tracks.

Each stub user has a deterministic taste (a handful of favourite artists of the stub catalog, picked from a
hash of their id) and a deterministic history: in every hour of the last two weeks they either listened to a
short session of those artists' tracks or did not, decided by a hash of (user, hour). So every process and
every poll sees the same past, and new plays appear as time passes. What the stub player plays for at least
30 s (or half the track) is added too: it is read from the player's state, not written by the player.

Special stub users, for fault tests: ids starting with "noscope" lack the library scopes (403), "ratelimited"
get 429 with Retry-After; "invalid..."/"expired..." tokens get 401 like the player.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import overload

from django.core.cache import cache

from spotify_stub import player
from spotify_stub.accounts import stub_user_id_for_token
from spotify_stub.catalog_routes import universe
from spotify_stub.transport import StubRequest, StubResponse, error, route

API = "api.spotify.com"
HREF = "https://api.spotify.com/v1"
HISTORY_HOURS = 14 * 24
FAVOURITE_ARTISTS = 8
MIN_PLAY_MS = 30_000
PLAYED_CACHE_PREFIX = "spotify-stub:library:played:"


def _user(request: StubRequest) -> tuple[str, StubResponse | None]:
    token = request.bearer_token
    if not token:
        return "", error(401, "No token provided")
    if token.startswith(("invalid", "expired")):
        return "", error(401, "The access token expired" if token.startswith("expired") else "Invalid access token")
    user_id = stub_user_id_for_token(token)
    if user_id.startswith("noscope"):
        return "", error(403, "Insufficient client scope")
    if user_id.startswith("ratelimited"):
        response = error(429, "API rate limit exceeded")
        response.headers["Retry-After"] = "30"
        return "", response
    return user_id, None


@lru_cache(maxsize=256)
def _taste(user_id: str) -> tuple[list[str], list[str]]:
    """The user's favourite artist ids and the pool of their tracks (deterministic)."""
    data = universe()
    rng = random.Random(f"taste:{user_id}")  # noqa: S311 - not crypto
    artists = rng.sample(sorted(data["artists"]), FAVOURITE_ARTISTS)
    wanted = set(artists)
    pool = sorted(
        track_id
        for track_id, track in data["tracks"].items()
        if any(artist["id"] in wanted for artist in track["artists"])
    )
    return artists, pool


def _track_payload(track_id: str) -> dict:
    track = dict(universe()["tracks"][track_id])
    return {key: value for key, value in track.items() if key != "_track_ids"}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _hour_session(user_id: str, hour: int, pool: list[str]) -> list[tuple[int, str]]:
    """(played_at ms, track id) of the plays in one absolute hour; most hours have none."""
    rng = random.Random(f"hour:{user_id}:{hour}")  # noqa: S311 - not crypto
    if not pool or rng.random() > 0.25:
        return []
    at_ms = hour * 3_600_000 + rng.randrange(0, 40) * 60_000
    plays = []
    for _ in range(rng.randint(3, 9)):
        track_id = rng.choice(pool)
        at_ms += int(universe()["tracks"][track_id]["duration_ms"])
        plays.append((at_ms, track_id))
    return plays


def _player_plays(user_id: str, now_ms: int) -> list[tuple[int, str]]:
    """Plays heard through the stub player: the current item once it has played long enough, remembered."""
    remembered: list[tuple[int, str]] = cache.get(PLAYED_CACHE_PREFIX + user_id) or []
    state = cache.get(player.CACHE_PREFIX + user_id)
    item = (state or {}).get("item")
    if item and item.get("id") in universe()["tracks"]:
        progress = state["progress_ms"] + (max(0, now_ms - state["progress_at"]) if state["is_playing"] else 0)
        threshold = min(MIN_PLAY_MS, int(item.get("duration_ms") or 0) // 2)
        # Like Spotify's played_at: when the track ends (it is listed from then on).
        ends_ms = now_ms - progress + int(item.get("duration_ms") or 0)
        if progress >= threshold and all(abs(at - ends_ms) > 1000 or tid != item["id"] for at, tid in remembered):
            remembered = ([*remembered, (ends_ms, item["id"])])[-50:]
            cache.set(PLAYED_CACHE_PREFIX + user_id, remembered, player.CACHE_SECONDS)
    return [(at, track_id) for at, track_id in remembered if at <= now_ms]


def stub_history(user_id: str, *, now_ms: int | None = None) -> list[tuple[int, str]]:
    """Every play of the last two weeks up to now, oldest first."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    _, pool = _taste(user_id)
    current_hour = now_ms // 3_600_000
    plays = [
        play
        for hour in range(current_hour - HISTORY_HOURS, current_hour + 1)
        for play in _hour_session(user_id, hour, pool)
        if play[0] <= now_ms
    ]
    return sorted(plays + _player_plays(user_id, now_ms))


@overload
def _int(request: StubRequest, name: str, default: int, low: int, high: int) -> int | StubResponse: ...
@overload
def _int(request: StubRequest, name: str, default: None, low: int, high: int) -> int | StubResponse | None: ...
def _int(request: StubRequest, name: str, default: int | None, low: int, high: int) -> int | StubResponse | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        return error(400, f"Invalid {name}")
    return value if low <= value <= high else error(400, f"Invalid {name}")


@route("GET", API, "/v1/me/player/recently-played")
def recently_played(request: StubRequest, match) -> StubResponse:
    user_id, failure = _user(request)
    if failure:
        return failure
    limit = _int(request, "limit", 20, 1, 50)
    after = _int(request, "after", None, 0, 10**15)
    if isinstance(limit, StubResponse):
        return limit
    if isinstance(after, StubResponse):
        return after
    plays = stub_history(user_id)
    # After a cursor: the oldest plays after it, so polling with `after` never skips any.
    page = [play for play in plays if play[0] > after][:limit] if after is not None else plays[-limit:]
    page.reverse()
    items = [{"track": _track_payload(track_id), "played_at": _iso(at), "context": None} for at, track_id in page]
    cursors = {"after": str(page[0][0]), "before": str(page[-1][0])} if page else None
    return StubResponse(
        200,
        {"href": f"{HREF}/me/player/recently-played", "items": items, "limit": limit, "cursors": cursors, "next": None},
    )


def _paged(request: StubRequest, items: list, path: str) -> StubResponse:
    limit = _int(request, "limit", 20, 1, 50)
    offset = _int(request, "offset", 0, 0, 10_000)
    if isinstance(limit, StubResponse):
        return limit
    if isinstance(offset, StubResponse):
        return offset
    page = items[offset : offset + limit]
    more = offset + limit < len(items)
    return StubResponse(
        200,
        {
            "href": f"{HREF}{path}?offset={offset}&limit={limit}",
            "items": page,
            "limit": limit,
            "offset": offset,
            "total": len(items),
            "next": f"{HREF}{path}?offset={offset + limit}&limit={limit}" if more else None,
            "previous": None,
        },
    )


@route("GET", API, "/v1/me/top/(?P<kind>artists|tracks)")
def top_items(request: StubRequest, match) -> StubResponse:
    user_id, failure = _user(request)
    if failure:
        return failure
    artists, _pool = _taste(user_id)
    if match.group("kind") == "artists":
        items = [universe()["artists"][artist_id] for artist_id in artists]
    else:
        counts: dict[str, int] = {}
        for _, track_id in stub_history(user_id):
            counts[track_id] = counts.get(track_id, 0) + 1
        ranked = sorted(counts, key=lambda track_id: (-counts[track_id], track_id))[:50]
        items = [_track_payload(track_id) for track_id in ranked]
    return _paged(request, items, f"/me/top/{match.group('kind')}")


@route("GET", API, "/v1/me/tracks")
def saved_tracks(request: StubRequest, match) -> StubResponse:
    user_id, failure = _user(request)
    if failure:
        return failure
    _, pool = _taste(user_id)
    rng = random.Random(f"saved:{user_id}")  # noqa: S311 - not crypto
    chosen = rng.sample(pool, min(30, len(pool)))
    start_ms = 1_735_689_600_000  # 2025-01-01
    items = [
        {"added_at": _iso(start_ms + index * 86_400_000).replace(".000Z", "Z"), "track": _track_payload(track_id)}
        for index, track_id in enumerate(chosen)
    ]
    items.reverse()
    return _paged(request, items, "/me/tracks")
