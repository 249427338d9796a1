"""The stub Spotify's catalog: a fixed, deterministic universe of artists, albums and tracks.

Seeded RNG, built once per process: 240 artists across the genres below, each with 2-5 albums of
4-12 tracks. Ids are 22-character base62 strings derived from a hash, so every process (API, worker,
tests) sees the same catalog. Payloads follow the Web API's shapes.
"""

from __future__ import annotations

import hashlib
import random
from functools import cache

HREF = "https://api.spotify.com/v1"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

GENRES = [
    "hip-hop", "pop", "rock", "r&b", "electronic", "country", "jazz", "classical", "latin", "indie",
    "metal", "reggae", "folk", "blues", "funk", "punk", "soul", "rap", "edm", "house", "dance pop",
    "indie rock", "trap", "techno", "alternative", "k-pop", "ambient", "disco", "gospel", "grunge",
]  # fmt: skip
CATEGORIES = [
    "Pop", "Hip-Hop", "Rock", "Latin", "Dance/Electronic", "Mood", "Indie", "Workout", "R&B", "Country",
    "Chill", "Jazz", "Classical", "Metal", "Soul", "Punk", "Blues", "Reggae", "Folk & Acoustic", "Party",
]  # fmt: skip
FIRST = [
    "Midnight", "Golden", "Electric", "Velvet", "Neon", "Silver", "Crimson", "Lunar", "Wild", "Echo",
    "Paper", "Glass", "Northern", "Royal", "Static", "Honey", "Ocean", "Desert", "Broken", "Little",
]  # fmt: skip
SECOND = [
    "Hearts", "Riders", "Lights", "Foxes", "Kings", "Dreamers", "Wolves", "Season", "Rivers", "Machines",
    "Ghosts", "Sisters", "Parade", "Harbor", "Avenue", "Tigers", "Youth", "Radio", "Garden", "Club",
]  # fmt: skip
WORDS = [
    "Love", "Night", "Fire", "Summer", "Dance", "Heart", "Rain", "Dream", "Gold", "Home", "Run", "Light",
    "Blue", "Stay", "Wild", "Forever", "City", "Tonight", "Alone", "Highway", "Sugar", "Shadows", "Ocean",
    "Faded", "Starboy", "Paradise", "Rebel", "Fever", "Memories", "Sunrise",
]  # fmt: skip
ARTIST_COUNT = 240


def spotify_id_for(seed: str) -> str:
    """A stable 22-character base62 id for a seed string."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:17], "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return "".join(chars)


def _images(kind: str, spotify_id: str) -> list[dict]:
    return [
        {"url": f"https://i.scdn.co/image/stub-{kind}-{spotify_id}-{size}", "height": size, "width": size}
        for size in (640, 300, 64)
    ]


def _simple_artist(artist: dict) -> dict:
    return {key: artist[key] for key in ("id", "name", "type", "uri", "href", "external_urls")}


def simple_album(album: dict) -> dict:
    return {key: value for key, value in album.items() if key not in ("tracks", "_track_ids", "popularity")}


def simple_track(track: dict) -> dict:
    return {key: value for key, value in track.items() if key not in ("album", "popularity", "external_ids")}


@cache
def universe() -> dict[str, dict]:
    """Every stub artist, album and track by id, plus the artists' album ids (built once per process)."""
    rng = random.Random(20260124)  # noqa: S311 - one seeded generator: the same fake universe everywhere
    world: dict[str, dict] = {"artists": {}, "albums": {}, "tracks": {}, "artist_albums": {}}
    for number in range(ARTIST_COUNT):
        artist = _artist(rng, number)
        world["artists"][artist["id"]] = artist
        world["artist_albums"][artist["id"]] = []
        for album_number in range(rng.randint(2, 5)):
            album = _album(rng, artist, number, album_number)
            world["albums"][album["id"]] = album
            world["artist_albums"][artist["id"]].append(album["id"])
            for track_number in range(1, album["total_tracks"] + 1):
                track = _track(rng, artist, number, album_number, track_number)
                world["tracks"][track["id"]] = track
                album["_track_ids"].append(track["id"])
    for album in world["albums"].values():
        for track_id in album["_track_ids"]:
            world["tracks"][track_id]["album"] = simple_album(album)
    return world


def _artist(rng: random.Random, number: int) -> dict:
    genre = GENRES[number % len(GENRES)]
    name = f"{FIRST[number % len(FIRST)]} {SECOND[(number * 7 + number // len(FIRST)) % len(SECOND)]}"
    if number >= len(FIRST) * len(SECOND) // 2:
        name += f" {number}"
    artist_id = spotify_id_for(f"artist:{number}")
    extra = rng.sample(GENRES, 2)
    return {
        "id": artist_id,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{artist_id}",
        "href": f"{HREF}/artists/{artist_id}",
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
        "genres": list(dict.fromkeys([genre, *extra])),
        "images": _images("artist", artist_id),
        "popularity": rng.randint(20, 95),
        "followers": {"href": None, "total": rng.randint(1_000, 5_000_000)},
    }


def _release(rng: random.Random) -> tuple[str, str]:
    year = rng.randint(1965, 2025)
    precision = rng.choice(["day", "day", "day", "month", "year"])
    day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"  # drawn for every precision
    if precision == "day":
        return day, precision
    return (f"{year}-{rng.randint(1, 12):02d}" if precision == "month" else str(year)), precision


def _album(rng: random.Random, artist: dict, number: int, album_number: int) -> dict:
    album_id = spotify_id_for(f"album:{number}:{album_number}")
    track_count = rng.randint(4, 12)
    album_type = "single" if track_count < 6 else rng.choice(["album", "album", "compilation"])
    release, precision = _release(rng)
    return {
        "id": album_id,
        "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
        "type": "album",
        "album_type": album_type,
        "album_group": album_type,
        "uri": f"spotify:album:{album_id}",
        "href": f"{HREF}/albums/{album_id}",
        "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
        "total_tracks": track_count,
        "release_date": release,
        "release_date_precision": precision,
        "images": _images("album", album_id),
        "artists": [_simple_artist(artist)],
        "popularity": rng.randint(10, 90),
        "_track_ids": [],
    }


def _track(rng: random.Random, artist: dict, number: int, album_number: int, track_number: int) -> dict:
    track_id = spotify_id_for(f"track:{number}:{album_number}:{track_number}")
    track_name = f"{rng.choice(WORDS)} {rng.choice(WORDS)}".strip()
    return {
        "id": track_id,
        "name": track_name if rng.random() > 0.2 else f"{track_name} - Remix",
        "type": "track",
        "uri": f"spotify:track:{track_id}",
        "href": f"{HREF}/tracks/{track_id}",
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        "external_ids": {"isrc": f"STUB{number:04d}{album_number:02d}{track_number:03d}"},
        "track_number": track_number,
        "disc_number": 1,
        "duration_ms": rng.randint(95_000, 420_000),
        "explicit": rng.random() < 0.25,
        "popularity": rng.randint(0, 100),
        "preview_url": f"https://p.scdn.co/mp3-preview/stub-{track_id}",
        "is_local": False,
        "artists": [_simple_artist(artist)],
        "album": None,
    }
