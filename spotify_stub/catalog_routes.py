"""Stub Spotify catalog endpoints: search, artists, albums, tracks, genre seeds, categories, audio features.

They serve the fixed, deterministic universe of `spotify_stub.catalog_universe`. Search matches names (and
`genre:"x"` filters) case-insensitively; a query that matches nothing gets a stable hash-ranked page,
as Spotify's fuzzy search always returns something. Payloads follow the Web API's shapes.

`SPOTIFY_STUB_LATENCY_SECONDS` (environment, default 0) delays every catalog answer, so integration
tests can interrupt a crawl mid-way.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
import re
import time
from collections.abc import Callable

from spotify_stub.catalog_universe import (
    BASE62,
    CATEGORIES,
    GENRES,
    HREF,
    simple_album,
    simple_track,
    spotify_id_for,
    universe,
)
from spotify_stub.transport import StubRequest, StubResponse, error, route

API = "api.spotify.com"


def _latency() -> None:
    seconds = float(os.environ.get("SPOTIFY_STUB_LATENCY_SECONDS") or 0)
    if seconds > 0:
        time.sleep(seconds)


def _authorised(request: StubRequest) -> StubResponse | None:
    _latency()
    if not request.bearer_token:
        return error(401, "No token provided")
    return None


def app_token_required(handler: Callable[[StubRequest, re.Match], StubResponse]):
    """Answer 401 like Spotify unless the request carries a bearer token (and apply the stub's latency)."""

    @functools.wraps(handler)
    def guarded(request: StubRequest, match: re.Match) -> StubResponse:
        return _authorised(request) or handler(request, match)

    return guarded


def _int(request: StubRequest, name: str, default: int, low: int, high: int) -> int | StubResponse:
    raw = request.query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        return error(400, f"Invalid {name}")
    if not low <= value <= high:
        return error(400, f"Invalid {name}")
    return value


def _paging(request: StubRequest, items: list[dict], *, href: str, default_limit: int = 20) -> dict | StubResponse:
    limit = _int(request, "limit", default_limit, 1, 50)
    if isinstance(limit, StubResponse):
        return limit
    offset = _int(request, "offset", 0, 0, 1000)
    if isinstance(offset, StubResponse):
        return offset
    page = items[offset : offset + limit]
    next_offset = offset + limit
    return {
        "href": f"{href}?offset={offset}&limit={limit}",
        "items": page,
        "limit": limit,
        "offset": offset,
        "total": len(items),
        "next": f"{href}?offset={next_offset}&limit={limit}" if next_offset < len(items) else None,
        "previous": f"{href}?offset={max(0, offset - limit)}&limit={limit}" if offset else None,
    }


def _valid_id(spotify_id: str) -> bool:
    return len(spotify_id) == 22 and all(char in BASE62 for char in spotify_id)


def _lookup(kind: str, spotify_id: str) -> dict | StubResponse:
    if not _valid_id(spotify_id):
        return error(400, "Invalid base62 id")
    item = universe()[kind].get(spotify_id)
    if item is None:
        return error(404, "Resource not found")
    return item


def _full_album(album: dict, request: StubRequest | None = None) -> dict:
    everything = universe()
    tracks = [simple_track(everything["tracks"][track_id]) for track_id in album["_track_ids"]]
    body = {key: value for key, value in album.items() if key != "_track_ids"}
    body["tracks"] = {
        "href": f"{album['href']}/tracks?offset=0&limit=50",
        "items": tracks[:50],
        "limit": 50,
        "offset": 0,
        "total": len(tracks),
        "next": None,
        "previous": None,
    }
    body["genres"] = []
    body["label"] = "Stub Records"
    return body


def _search_matches(query: str, kind: str) -> list[dict]:
    items = list(universe()[f"{kind}s"].values())
    text = query.strip().lower()
    genre = None
    if "genre:" in text:
        before, _, after = text.partition("genre:")
        genre = after.strip().strip('"').strip()
        text = before.strip()
    if genre is not None:
        if kind != "artist":
            return []
        items = [item for item in items if genre in item["genres"]]
    if text:
        matched = [item for item in items if text in item["name"].lower()]
        if not matched and genre is None:
            # Spotify's search is fuzzy and rarely empty: rank everything by a stable hash of the query.
            ranked = sorted(
                items, key=lambda item: hashlib.sha1(f"{text}:{item['id']}".encode(), usedforsecurity=False).hexdigest()
            )
            matched = ranked[:50]
        items = matched
    return sorted(items, key=lambda item: (-item.get("popularity", 0), item["id"]))


@route("GET", API, r"/v1/search/?")
@app_token_required
def search(request: StubRequest, match) -> StubResponse:
    query = request.query.get("q", "")
    if not query.strip():
        return error(400, "No search query")
    kinds = [kind.strip() for kind in request.query.get("type", "").split(",") if kind.strip()]
    if not kinds or any(kind not in ("artist", "album", "track") for kind in kinds):
        return error(400, "Bad search type field")
    body = {}
    for kind in kinds:
        matches = _search_matches(query, kind)
        if kind == "album":
            matches = [simple_album(album) for album in matches]
        page = _paging(request, matches, href=f"{HREF}/search", default_limit=20)
        if isinstance(page, StubResponse):
            return page
        body[f"{kind}s"] = page
    return StubResponse(200, body)


@route("GET", API, r"/v1/artists/(?P<id>[^/]+)/?")
@app_token_required
def artist(request: StubRequest, match) -> StubResponse:
    item = _lookup("artists", match["id"])
    return item if isinstance(item, StubResponse) else StubResponse(200, item)


@route("GET", API, r"/v1/artists/?")
@app_token_required
def several_artists(request: StubRequest, match) -> StubResponse:
    ids = [value for value in request.query.get("ids", "").split(",") if value]
    if not ids or len(ids) > 50:
        return error(400, "Invalid ids")
    return StubResponse(200, {"artists": [universe()["artists"].get(value) for value in ids]})


@route("GET", API, r"/v1/artists/(?P<id>[^/]+)/albums/?")
@app_token_required
def artist_albums(request: StubRequest, match) -> StubResponse:
    item = _lookup("artists", match["id"])
    if isinstance(item, StubResponse):
        return item
    everything = universe()
    albums = [simple_album(everything["albums"][album_id]) for album_id in everything["artist_albums"][item["id"]]]
    page = _paging(request, albums, href=f"{HREF}/artists/{item['id']}/albums")
    return page if isinstance(page, StubResponse) else StubResponse(200, page)


@route("GET", API, r"/v1/albums/(?P<id>[^/]+)/?")
@app_token_required
def album(request: StubRequest, match) -> StubResponse:
    item = _lookup("albums", match["id"])
    return item if isinstance(item, StubResponse) else StubResponse(200, _full_album(item))


@route("GET", API, r"/v1/albums/(?P<id>[^/]+)/tracks/?")
@app_token_required
def album_tracks(request: StubRequest, match) -> StubResponse:
    item = _lookup("albums", match["id"])
    if isinstance(item, StubResponse):
        return item
    tracks = [simple_track(universe()["tracks"][track_id]) for track_id in item["_track_ids"]]
    page = _paging(request, tracks, href=f"{HREF}/albums/{item['id']}/tracks")
    return page if isinstance(page, StubResponse) else StubResponse(200, page)


@route("GET", API, r"/v1/tracks/(?P<id>[^/]+)/?")
@app_token_required
def track(request: StubRequest, match) -> StubResponse:
    item = _lookup("tracks", match["id"])
    return item if isinstance(item, StubResponse) else StubResponse(200, item)


@route("GET", API, r"/v1/recommendations/available-genre-seeds/?")
@app_token_required
def genre_seeds(request: StubRequest, match) -> StubResponse:
    return StubResponse(200, {"genres": sorted(GENRES)})


@route("GET", API, r"/v1/browse/categories/?")
@app_token_required
def categories(request: StubRequest, match) -> StubResponse:
    items = [
        {
            "id": spotify_id_for(f"category:{name}")[:12].lower(),
            "name": name,
            "href": f"{HREF}/browse/categories/{name.lower()}",
            "icons": [{"url": f"https://t.scdn.co/images/stub-{name.lower()}.jpg", "height": 274, "width": 274}],
        }
        for name in CATEGORIES
    ]
    page = _paging(request, items, href=f"{HREF}/browse/categories")
    return page if isinstance(page, StubResponse) else StubResponse(200, {"categories": page})


def _audio_features(track_id: str) -> dict:
    rng = random.Random(track_id)  # noqa: S311 - seeded fake data, not crypto
    return {
        "id": track_id,
        "type": "audio_features",
        "uri": f"spotify:track:{track_id}",
        "danceability": round(rng.random(), 3),
        "energy": round(rng.random(), 3),
        "key": rng.randint(0, 11),
        "loudness": round(rng.uniform(-20, 0), 3),
        "mode": rng.randint(0, 1),
        "speechiness": round(rng.random() / 3, 4),
        "acousticness": round(rng.random(), 4),
        "instrumentalness": round(rng.random() / 2, 4),
        "liveness": round(rng.random() / 2, 4),
        "valence": round(rng.random(), 3),
        "tempo": round(rng.uniform(60, 190), 3),
        "time_signature": rng.choice([3, 4, 4, 4, 5]),
        "duration_ms": universe()["tracks"][track_id]["duration_ms"],
    }


@route("GET", API, r"/v1/audio-features/(?P<id>[^/]+)/?")
@app_token_required
def audio_features(request: StubRequest, match) -> StubResponse:
    item = _lookup("tracks", match["id"])
    return item if isinstance(item, StubResponse) else StubResponse(200, _audio_features(item["id"]))


@route("GET", API, r"/v1/audio-features/?")
@app_token_required
def several_audio_features(request: StubRequest, match) -> StubResponse:
    ids = [value for value in request.query.get("ids", "").split(",") if value]
    if not ids or len(ids) > 100:
        return error(400, "Invalid ids")
    tracks = universe()["tracks"]
    return StubResponse(200, {"audio_features": [_audio_features(value) if value in tracks else None for value in ids]})
