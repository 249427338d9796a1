"""Reading a Spotify tracks export (CSV): the layout from the header, and each row as a ParsedRow.

Two layouts are understood (detected from the header):
- "tidytuesday" (spotify_songs.csv): track_id, track_name, track_artist, track_popularity, track_album_id,
  track_album_name, track_album_release_date, playlist_genre, playlist_subgenre, audio features, duration_ms.
  One row per playlist membership: a track repeats with other genres.
- "tracks-dataset": track_id, artists (';'-separated), album_name, track_name, popularity, duration_ms,
  explicit, audio features, time_signature, track_genre. Albums have no id there.

Synthetic ids (these exports carry no artist ids, and the second layout no album ids):
- artist: `csv-artist-` + the first 20 hex digits of sha1(normalised name), where the normalised name is
  NFKC-normalised, case-folded and whitespace-collapsed. "The Weeknd" and " the  weeknd" are one artist.
- album (second layout only): `csv-album-` + sha1 of normalised "<album name>|<first artist name>".
A multi-artist string in the first layout ("A, B" or "A & B") stays one artist: names like
"Simon & Garfunkel" make splitting unreliable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from catalog.errors import CatalogImportError
from catalog.models import Album, TrackAudioFeatures
from catalog.services.dates import InvalidReleaseDate, release_date_parse

FEATURE_FIELDS = list(TrackAudioFeatures.REQUIRED_FEATURES)
INT_FEATURES = {"key", "mode"}
INT_INDEXES = [FEATURE_FIELDS.index(name) for name in INT_FEATURES]
TRUE_TEXT = {"true", "1", "yes", "t"}
FALSE_TEXT = {"false", "0", "no", "f", ""}
SNIFF_BYTES = 64 * 1024


class CsvLayoutError(CatalogImportError):
    """The file's header matches neither supported layout."""


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip().casefold()


@lru_cache(maxsize=200_000)
def synthetic_artist_id(name: str) -> str:
    """Stable spotify_id for an artist known only by name (see the module docstring)."""
    return "csv-artist-" + hashlib.sha1(normalise_name(name).encode(), usedforsecurity=False).hexdigest()[:20]


def synthetic_album_id(album_name: str, artist_name: str) -> str:
    key = f"{normalise_name(album_name)}|{normalise_name(artist_name)}"
    return "csv-album-" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:20]


def album_spotify_data(spotify_id: str) -> dict:
    """The stored spotify_data of an imported album (none for a synthetic id)."""
    if spotify_id.startswith("csv-"):
        return {}
    return {"type": "album", "uri": f"spotify:album:{spotify_id}", "images": []}


def track_spotify_data(spotify_id: str) -> dict:
    """The stored spotify_data of an imported track."""
    return {"id": spotify_id, "type": "track", "uri": f"spotify:track:{spotify_id}", "preview_url": ""}


@dataclass
class ParsedRow:
    line: int
    track_id: str
    track_name: str
    artist_names: list[str]
    album_id: str
    album_name: str
    release_date: dt.date | None
    release_precision: str
    popularity: int | None
    duration_ms: int
    explicit: bool | None
    genres: list[str]
    features: dict | None


def csv_layout(header: list[str]) -> str:
    columns = set(header)
    if {"track_id", "track_name", "track_artist"} <= columns:
        return "tidytuesday"
    if {"track_id", "track_name", "artists"} <= columns:
        return "tracks-dataset"
    raise CsvLayoutError(
        "unknown CSV layout: expected track_id, track_name and track_artist (spotify_songs.csv) "
        "or track_id, track_name and artists (tracks dataset)"
    )


def _int(value: str, name: str, *, low: int | None = None, high: int | None = None) -> int:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} is not a number: {value!r}") from None
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{name} is not an integer: {value!r}")
    number = int(number)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} out of range: {value!r}")
    return number


def _features(row: dict) -> dict | None:
    texts = [(row.get(name) or "").strip() for name in FEATURE_FIELDS]
    if not all(texts):
        return None  # features absent or incomplete: the track is imported without them
    try:
        numbers = list(map(float, texts))
    except ValueError:
        numbers = []
    # The common case checked in bulk; any doubt goes field by field, for the exact reason.
    if numbers and all(map(math.isfinite, numbers)) and all(numbers[i] == int(numbers[i]) for i in INT_INDEXES):
        features: dict = dict(zip(FEATURE_FIELDS, numbers, strict=True))
        for name in INT_FEATURES:
            features[name] = int(features[name])
    else:
        features = _features_one_by_one(dict(zip(FEATURE_FIELDS, texts, strict=True)))
    signature = (row.get("time_signature") or "").strip()
    features["time_signature"] = _int(signature, "time_signature", low=0, high=20) if signature else None
    return features


def _features_one_by_one(raw: dict[str, str]) -> dict:
    features: dict = {}
    for name, value in raw.items():
        if name in INT_FEATURES:
            features[name] = _int(value, name)
        else:
            try:
                features[name] = float(value)
            except ValueError:
                raise ValueError(f"{name} is not a number: {value!r}") from None
            if not math.isfinite(features[name]):
                raise ValueError(f"{name} is not a finite number: {value!r}")
    return features


def parse_row(*, row: dict, layout: str, line: int) -> ParsedRow:
    """One CSV row as a ParsedRow; raises ValueError with a readable reason for a bad row."""
    track_id = (row.get("track_id") or "").strip()
    track_name = (row.get("track_name") or "").strip()
    if not track_id or len(track_id) > 64:
        raise ValueError("missing or invalid track_id")
    # A row with an id but no names (4 tracks of spotify_songs.csv) is kept: the id is the track's identity and
    # its audio features still place it for the recommender. It gets an empty name and no artist.
    if layout == "tidytuesday":
        artist_names = [(row.get("track_artist") or "").strip()]
        album_name = (row.get("track_album_name") or "").strip()
        album_id = (row.get("track_album_id") or "").strip()
        genres = [row.get("playlist_genre") or "", row.get("playlist_subgenre") or ""]
        popularity_text = row.get("track_popularity") or ""
        try:
            release_date, precision = release_date_parse(value=row.get("track_album_release_date"))
        except InvalidReleaseDate as exc:
            raise ValueError(str(exc)) from None
    else:
        artist_names = [name.strip() for name in (row.get("artists") or "").split(";")]
        album_name = (row.get("album_name") or "").strip()
        artist_names = [name for name in artist_names if name]
        album_id = synthetic_album_id(album_name, artist_names[0]) if album_name and artist_names else ""
        genres = [row.get("track_genre") or ""]
        popularity_text = row.get("popularity") or ""
        release_date, precision = None, Album.DatePrecision.DAY
    artist_names = list(dict.fromkeys(name for name in artist_names if name))
    if len(album_id) > 64:
        raise ValueError("invalid album id")
    duration_text = (row.get("duration_ms") or "").strip()
    explicit_text = (row.get("explicit") or "").strip().lower()
    if explicit_text not in TRUE_TEXT | FALSE_TEXT:
        raise ValueError(f"explicit is not a boolean: {explicit_text!r}")
    return ParsedRow(
        line=line,
        track_id=track_id,
        track_name=track_name[:500],
        artist_names=[name[:500] for name in artist_names],
        album_id=album_id,
        album_name=album_name[:500],
        release_date=release_date,
        release_precision=precision,
        popularity=_int(popularity_text.strip(), "popularity", low=0, high=100) if popularity_text.strip() else None,
        duration_ms=_int(duration_text, "duration_ms", low=0, high=2**31 - 1) if duration_text else 0,
        explicit=(explicit_text in TRUE_TEXT) if explicit_text else None,
        genres=[genre.strip().lower() for genre in genres if genre and genre.strip()],
        features=_features(row),
    )


def csv_file_check(path: Path) -> None:
    """Raise CatalogImportError for a file that is not a text CSV (a binary file, an archive)."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if b"\x00" in head:
        raise CatalogImportError(
            f"{path}: line 1: this is a binary file, not a CSV export; unpack or convert it to a UTF-8 CSV first."
        )


def features_warning(*, path: Path, header: list[str]) -> str | None:
    """A warning when the header has no audio-feature columns (the recommender learns from them)."""
    absent = [name for name in FEATURE_FIELDS if name not in header]
    if not absent:
        return None
    return (
        f"{path.name} has no audio-feature column(s) {', '.join(absent)}: tracks are imported without "
        "features, and `manage.py retrain` will have nothing to learn from them."
    )


def not_utf8_error(path: Path, line: int, exc: UnicodeDecodeError) -> CatalogImportError:
    """The error for a line that is not UTF-8: its file, line and the fix."""
    byte = exc.object[exc.start : exc.start + 1].hex()
    return CatalogImportError(
        f"{path}: line {line}: not UTF-8 text (byte 0x{byte}); save the file as UTF-8 "
        f"(e.g. `iconv -f latin1 -t utf-8 {path.name} > {path.stem}-utf8.csv`) and import that."
    )
