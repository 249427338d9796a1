"""Bulk import of a Spotify tracks export (CSV) into genres, artists, albums, tracks and audio features.

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

Genre and subgenre labels become the artist's genres (`genre-<label>` spotify ids, like Spotify genres).

Each batch of rows is validated first (bad rows are reported with their line numbers and skipped) and
then written in one transaction with one bulk statement per table, so an interrupted import leaves
whole batches and a re-run resumes: rows equal to what is stored are not written again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures
from catalog.services.dates import InvalidReleaseDate, release_date_parse
from catalog.services.ingest import genres_ensure, links_insert, rows_fetch, rows_upsert

FEATURE_FIELDS = list(TrackAudioFeatures.REQUIRED_FEATURES)
INT_FEATURES = {"key", "mode"}
TRUE_TEXT = {"true", "1", "yes", "t"}
FALSE_TEXT = {"false", "0", "no", "f", ""}
BATCH_ROWS = 5000


class CsvLayoutError(ValueError):
    """The file's header matches neither supported layout."""


def normalise_name(name: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name)).strip().casefold()


@lru_cache(maxsize=200_000)
def synthetic_artist_id(name: str) -> str:
    """Stable spotify_id for an artist known only by name (see the module docstring)."""
    return "csv-artist-" + hashlib.sha1(normalise_name(name).encode()).hexdigest()[:20]


def synthetic_album_id(album_name: str, artist_name: str) -> str:
    key = f"{normalise_name(album_name)}|{normalise_name(artist_name)}"
    return "csv-album-" + hashlib.sha1(key.encode()).hexdigest()[:20]


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


@dataclass
class ImportSummary:
    rows: int = 0
    tracks_created: int = 0
    tracks_updated: int = 0
    tracks_unchanged: int = 0
    duplicate_rows: int = 0
    failed_rows: int = 0
    genres_created: int = 0
    artists_created: int = 0
    albums_created: int = 0
    albums_updated: int = 0
    features_written: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.tracks_unchanged + self.duplicate_rows


# --- Parsing -------------------------------------------------------------------------------------


def _layout(header: list[str]) -> str:
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
    raw = {name: (row.get(name) or "").strip() for name in FEATURE_FIELDS}
    if not all(raw.values()):
        return None  # features absent or incomplete: the track is imported without them
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
    signature = (row.get("time_signature") or "").strip()
    features["time_signature"] = _int(signature, "time_signature", low=0, high=20) if signature else None
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


# --- Importing -----------------------------------------------------------------------------------


class CatalogCsvImporter:
    """Imports one CSV file batch by batch; `on_progress(rows)` is called after each batch."""

    def __init__(self, *, batch_rows: int = BATCH_ROWS, on_progress: Callable[[int], None] | None = None):
        self.batch_rows = batch_rows
        self.on_progress = on_progress or (lambda rows: None)
        self.summary = ImportSummary()
        # Per-run memory: what this run already wrote, so repeated rows cost nothing.
        self._genre_ids: dict[str, int] = {}
        self._artist_ids: dict[str, int] = {}
        self._album_ids: dict[str, int] = {}
        self._track_ids: dict[str, int] = {}
        self._artist_genre_links: set[tuple[int, int]] = set()

    def run(self, *, path: Path) -> ImportSummary:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            layout = _layout([name.strip() for name in reader.fieldnames or []])
            reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
            for batch in self._batches(reader, layout):
                self._write(batch)
                self.on_progress(self.summary.rows)
        return self.summary

    def _batches(self, reader: csv.DictReader, layout: str) -> Iterator[list[ParsedRow]]:
        batch: list[ParsedRow] = []
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                self._fail(reader.line_num, f"unreadable CSV: {exc}")
                continue
            self.summary.rows += 1
            line = reader.line_num
            if None in row:  # more fields than the header
                self._fail(line, "more fields than the header")
                continue
            try:
                batch.append(parse_row(row=row, layout=layout, line=line))
            except ValueError as exc:
                self._fail(line, str(exc))
                continue
            if len(batch) >= self.batch_rows:
                yield batch
                batch = []
        if batch:
            yield batch

    def _fail(self, line: int, reason: str) -> None:
        self.summary.failed_rows += 1
        if len(self.summary.errors) < 1000:
            self.summary.errors.append(f"line {line}: {reason}")

    @transaction.atomic
    def _write(self, rows: list[ParsedRow]) -> None:
        self._write_genres(rows)
        self._write_artists(rows)
        self._write_albums(rows)
        self._write_tracks(rows)

    def _write_genres(self, rows: list[ParsedRow]) -> None:
        new = {genre for row in rows for genre in row.genres} - self._genre_ids.keys()
        if new:
            before = Genre.objects.filter(spotify_id__in=[f"genre-{name}" for name in new]).count()
            self._genre_ids.update(genres_ensure(names=new))
            self.summary.genres_created += len(new) - before

    def _write_artists(self, rows: list[ParsedRow]) -> None:
        names: dict[str, str] = {}
        for row in rows:
            for name in row.artist_names:
                names.setdefault(synthetic_artist_id(name), name)
        new = [spotify_id for spotify_id in names if spotify_id not in self._artist_ids]
        if new:
            existing = dict(rows_fetch(model=Artist, key="spotify_id", values=new, columns=["spotify_id", "id"]))
            now = timezone.now()
            # Existing artists keep their name (the first spelling seen wins).
            to_create = [
                (spotify_id, names[spotify_id], "{}", '{"source": "csv"}', "[]", now, now)
                for spotify_id in new
                if spotify_id not in existing
            ]
            existing.update(
                rows_upsert(
                    model=Artist,
                    columns=[
                        "spotify_id",
                        "name",
                        "spotify_data",
                        "custom_data",
                        "images",
                        "created_at",
                        "modified_at",
                    ],
                    rows=to_create,
                    conflict="spotify_id",
                    update_columns=["modified_at"],
                    json_serialised=True,
                )
            )
            self.summary.artists_created += len(to_create)
            self._artist_ids.update(existing)
        links = {
            (self._artist_ids[synthetic_artist_id(name)], self._genre_ids[genre])
            for row in rows
            for name in row.artist_names
            for genre in row.genres
        } - self._artist_genre_links
        if links:
            links_insert(through=Artist.genres.through, pairs=links, left="artist", right="genre")
            self._artist_genre_links |= links

    def _write_albums(self, rows: list[ParsedRow]) -> None:
        albums: dict[str, ParsedRow] = {}
        for row in rows:
            if row.album_id and row.album_id not in self._album_ids:
                albums.setdefault(row.album_id, row)
        if not albums:
            return
        existing = {
            spotify_id: (pk, (name, release_date, precision))
            for spotify_id, pk, name, release_date, precision in rows_fetch(
                model=Album,
                key="spotify_id",
                values=list(albums),
                columns=["spotify_id", "id", "name", "release_date", "release_date_precision"],
            )
        }
        now = timezone.now()
        write = []
        for spotify_id, row in albums.items():
            wanted = (row.album_name, row.release_date, row.release_precision)
            current = existing.get(spotify_id)
            if current is not None and current[1] == wanted:
                self._album_ids[spotify_id] = current[0]
                continue
            if current is None:
                self.summary.albums_created += 1
            else:
                self.summary.albums_updated += 1
            spotify_data = (
                "{}"
                if spotify_id.startswith("csv-")
                else f'{{"type": "album", "uri": {json.dumps("spotify:album:" + spotify_id)}, "images": []}}'
            )
            write.append(
                (spotify_id, row.album_name, row.release_date, row.release_precision, spotify_data,
                 "{}", "[]", Album.AlbumType.ALBUM, 0, now, now)
            )  # fmt: skip
        if write:
            self._album_ids.update(
                rows_upsert(
                    model=Album,
                    columns=[
                        "spotify_id", "name", "release_date", "release_date_precision", "spotify_data",
                        "custom_data", "images", "album_type", "total_tracks", "created_at", "modified_at",
                    ],
                    rows=write,
                    conflict="spotify_id",
                    update_columns=["name", "release_date", "release_date_precision", "modified_at"],
                    json_serialised=True,
                )
            )  # fmt: skip
            # The album's artist is its rows' first artist.
            written = {values[0] for values in write}
            links_insert(
                through=Album.artists.through,
                pairs={
                    (self._album_ids[row.album_id], self._artist_ids[synthetic_artist_id(row.artist_names[0])])
                    for row in rows
                    if row.album_id in written and row.artist_names
                },
                left="album",
                right="artist",
            )

    def _write_tracks(self, rows: list[ParsedRow]) -> None:
        tracks: dict[str, ParsedRow] = {}
        for row in rows:
            if row.track_id in self._track_ids or row.track_id in tracks:
                self.summary.duplicate_rows += 1
            else:
                tracks[row.track_id] = row
        if not tracks:
            return
        existing = {
            values[0]: values[1:]
            for values in rows_fetch(
                model=Track,
                key="spotify_id",
                values=list(tracks),
                columns=["spotify_id", "id", "name", "album_id", "duration_ms", "explicit", "popularity"],
            )
        }
        existing_features = {
            values[0]: values[1:]
            for values in rows_fetch(
                model=TrackAudioFeatures,
                key="track_id",
                values=[current[0] for current in existing.values()],
                columns=["track_id", *FEATURE_FIELDS, "time_signature"],
            )
        }
        now = timezone.now()
        write: list[tuple] = []
        feature_rows: list[ParsedRow] = []
        for spotify_id, row in tracks.items():
            album_pk = self._album_ids[row.album_id] if row.album_id else None
            current = existing.get(spotify_id)
            explicit = row.explicit if row.explicit is not None else (current[4] if current else False)
            wanted = (row.track_name, album_pk, row.duration_ms, explicit, row.popularity)
            features_wanted = (
                tuple(row.features[name] for name in [*FEATURE_FIELDS, "time_signature"]) if row.features else None
            )
            track_same = current is not None and current[1:] == wanted
            features_same = features_wanted is None or (
                current is not None and existing_features.get(current[0]) == features_wanted
            )
            if track_same and features_same:
                self._track_ids[spotify_id] = current[0]
                self.summary.tracks_unchanged += 1
                continue
            if current is None:
                self.summary.tracks_created += 1
            else:
                self.summary.tracks_updated += 1
            if features_wanted is not None and not features_same:
                feature_rows.append(row)
            if not track_same:
                quoted = json.dumps(spotify_id)
                spotify_data = (
                    f'{{"id": {quoted}, "type": "track", "uri": "spotify:track:{quoted[1:-1]}", "preview_url": ""}}'
                )
                write.append(
                    (spotify_id, row.track_name, album_pk, row.duration_ms, explicit, row.popularity,
                     spotify_data, "{}", "[]", 1, 1, now, now)
                )  # fmt: skip
            else:
                self._track_ids[spotify_id] = current[0]
        if write:
            self._track_ids.update(
                rows_upsert(
                    model=Track,
                    columns=[
                        "spotify_id", "name", "album_id", "duration_ms", "explicit", "popularity", "spotify_data",
                        "custom_data", "images", "track_number", "disc_number", "created_at", "modified_at",
                    ],
                    rows=write,
                    conflict="spotify_id",
                    update_columns=["name", "album_id", "duration_ms", "explicit", "popularity", "modified_at"],
                    json_serialised=True,
                )
            )  # fmt: skip
            written = {values[0] for values in write}
            links_insert(
                through=Track.artists.through,
                pairs={
                    (self._track_ids[row.track_id], self._artist_ids[synthetic_artist_id(name)])
                    for row in tracks.values()
                    if row.track_id in written
                    for name in row.artist_names
                },
                left="track",
                right="artist",
            )
        if feature_rows:
            feature_columns = [*FEATURE_FIELDS, "time_signature"]
            rows_upsert(
                model=TrackAudioFeatures,
                columns=["track_id", *feature_columns, "created_at", "modified_at"],
                rows=[
                    (self._track_ids[row.track_id], *(row.features[name] for name in feature_columns), now, now)
                    for row in feature_rows
                ],
                conflict="track_id",
                update_columns=[*feature_columns, "modified_at"],
                returning=False,
            )
            self.summary.features_written += len(feature_rows)


def catalog_import_csv(
    *, path: Path, batch_rows: int = BATCH_ROWS, on_progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Import a Spotify tracks export (either layout); returns created/updated/skipped/failed counts."""
    return CatalogCsvImporter(batch_rows=batch_rows, on_progress=on_progress).run(path=path)
