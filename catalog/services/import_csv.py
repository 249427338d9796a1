"""Bulk import of a Spotify tracks export (CSV) into genres, artists, albums, tracks and audio features.

The layouts and row rules are in `catalog.services.csv_rows`. Genre and subgenre labels become the
artist's genres (`genre-<label>` spotify ids, like Spotify genres).

Each batch of rows is validated first (bad rows are reported with their line numbers and skipped) and
then written in one transaction with one bulk statement per table, so an interrupted import leaves
whole batches and a re-run resumes: rows equal to what is stored are not written again.
A file that cannot be read at all (binary, not UTF-8, unknown header) or a database without the
catalog's tables raises `CatalogImportError` naming the file, the line and the fix.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from catalog.dialects import dialect_for
from catalog.errors import CatalogImportError
from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures
from catalog.selectors import catalog_tables_missing
from catalog.services.csv_rows import (
    ParsedRow,
    album_spotify_data,
    csv_file_check,
    csv_layout,
    features_warning,
    not_utf8_error,
    parse_row,
    synthetic_artist_id,
    track_spotify_data,
)
from catalog.services.import_plan import (
    ALBUM_COLUMNS,
    ALBUM_UPDATES,
    ALL_FEATURES,
    ARTIST_COLUMNS,
    FEATURE_COLUMNS,
    STORED_TRACK_COLUMNS,
    TRACK_COLUMNS,
    TRACK_UPDATES,
    ImportSummary,
    TrackPlan,
)
from catalog.services.ingest import (
    genres_ensure,
    links_insert,
    rows_copy,
    rows_fetch,
    rows_insert_absent,
    rows_upsert,
)

BATCH_ROWS = 5000
ProgressCallback = Callable[[int, int], None]  # (rows read, bytes read)


class CatalogCsvImporter:
    """Imports one CSV file batch by batch; `on_progress(rows, bytes)` is called after each batch."""

    def __init__(self, *, batch_rows: int = BATCH_ROWS, on_progress: ProgressCallback | None = None):
        self.batch_rows = batch_rows
        self.on_progress = on_progress or (lambda rows, bytes_read: None)
        self.summary = ImportSummary()
        # Per-run memory: what this run already wrote, so repeated rows cost nothing.
        self._genre_ids: dict[str, int] = {}
        self._artist_ids: dict[str, int] = {}
        self._album_ids: dict[str, int] = {}
        self._track_ids: dict[str, int] = {}
        self._artist_genre_links: set[tuple[int, int]] = set()
        self.bytes_read = 0

    def run(self, *, path: Path) -> ImportSummary:
        csv_file_check(path)
        missing = catalog_tables_missing()
        if missing:
            raise CatalogImportError(
                f"The database {connection.settings_dict['NAME']} has no catalog tables ({', '.join(missing)}): "
                "run `python manage.py migrate` first."
            )
        with path.open("rb") as handle:
            reader = csv.DictReader(self._text_lines(handle, path))
            header = [name.strip() for name in reader.fieldnames or []]
            try:
                layout = csv_layout(header)
            except CatalogImportError as exc:
                raise CatalogImportError(f"{path}: line 1: {exc.detail}") from None
            reader.fieldnames = header
            warning = features_warning(path=path, header=header)
            if warning:
                self.summary.warnings.append(warning)
            for batch in self._batches(reader, layout):
                self._write(batch)
                self.on_progress(self.summary.rows, self.bytes_read)
        return self.summary

    def _text_lines(self, handle: BinaryIO, path: Path) -> Iterator[str]:
        """The file's lines as text, counting bytes; a line that is not UTF-8 stops the import, by number."""
        for number, raw in enumerate(handle, start=1):
            self.bytes_read += len(raw)
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise not_utf8_error(path, number, exc) from None

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
            parsed = self._parse(row, layout, reader.line_num)
            if parsed is not None:
                batch.append(parsed)
            if len(batch) >= self.batch_rows:
                yield batch
                batch = []
        if batch:
            yield batch

    def _parse(self, row: dict, layout: str, line: int) -> ParsedRow | None:
        if None in row:  # more fields than the header
            self._fail(line, "more fields than the header")
            return None
        try:
            return parse_row(row=row, layout=layout, line=line)
        except ValueError as exc:
            self._fail(line, str(exc))
            return None

    def _fail(self, line: int, reason: str) -> None:
        self.summary.failed_rows += 1
        if len(self.summary.errors) < 1000:
            self.summary.errors.append(f"line {line}: {reason}")

    @transaction.atomic
    def _write(self, rows: list[ParsedRow]) -> None:
        dialect_for().bulk_transaction_begin()
        self._write_genres(rows)
        self._write_artists(rows)
        self._write_artist_genres(rows)
        self._write_albums(rows)
        self._write_tracks(rows)

    # --- Genres and artists --------------------------------------------------------------------

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
        if not new:
            return
        existing = dict(rows_fetch(model=Artist, key="spotify_id", values=new, columns=["spotify_id", "id"]))
        now = timezone.now()
        # Existing artists keep their name (the first spelling seen wins).
        to_create: list[tuple[Any, ...]] = [
            (spotify_id, names[spotify_id], {}, {"source": "csv"}, [], now, now)
            for spotify_id in new
            if spotify_id not in existing
        ]
        existing.update(
            rows_upsert(
                model=Artist,
                columns=ARTIST_COLUMNS,
                rows=to_create,
                conflict="spotify_id",
                update_columns=["modified_at"],
            )
        )
        self.summary.artists_created += len(to_create)
        self._artist_ids.update(existing)

    def _write_artist_genres(self, rows: list[ParsedRow]) -> None:
        links = {
            (self._artist_ids[synthetic_artist_id(name)], self._genre_ids[genre])
            for row in rows
            for name in row.artist_names
            for genre in row.genres
        } - self._artist_genre_links
        if links:
            links_insert(through=Artist.genres.through, pairs=links, left="artist", right="genre")
            self._artist_genre_links |= links

    # --- Albums --------------------------------------------------------------------------------

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
        write: list[tuple[Any, ...]] = []
        for spotify_id, row in albums.items():
            current = existing.get(spotify_id)
            if current is not None and current[1] == (row.album_name, row.release_date, row.release_precision):
                self._album_ids[spotify_id] = current[0]
                continue
            if current is None:
                self.summary.albums_created += 1
            else:
                self.summary.albums_updated += 1
            write.append(
                (spotify_id, row.album_name, row.release_date, row.release_precision, album_spotify_data(spotify_id),
                 {}, [], Album.AlbumType.ALBUM, 0, now, now)
            )  # fmt: skip
        if write:
            self._upsert_albums(rows, write)

    def _upsert_albums(self, rows: list[ParsedRow], write: list[tuple]) -> None:
        self._album_ids.update(
            rows_upsert(
                model=Album, columns=ALBUM_COLUMNS, rows=write, conflict="spotify_id", update_columns=ALBUM_UPDATES
            )
        )
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

    # --- Tracks and their audio features -------------------------------------------------------

    def _write_tracks(self, rows: list[ParsedRow]) -> None:
        tracks = self._new_tracks(rows)
        if not tracks:
            return
        plan = self._plan_tracks(tracks)
        inserted = self._insert_absent_tracks(tracks, plan) if plan.create else set()
        write = plan.update if inserted else plan.create + plan.update
        if write:
            self._upsert_tracks(tracks, write)
        features = [row for row in plan.features if row.track_id not in inserted]
        if features:
            self._upsert_features(features)

    def _new_tracks(self, rows: list[ParsedRow]) -> dict[str, ParsedRow]:
        """The batch's tracks not yet seen in this run (a repeated row is counted, not written twice)."""
        tracks: dict[str, ParsedRow] = {}
        for row in rows:
            if row.track_id in self._track_ids or row.track_id in tracks:
                self.summary.duplicate_rows += 1
            else:
                tracks[row.track_id] = row
        return tracks

    def _plan_tracks(self, tracks: dict[str, ParsedRow]) -> TrackPlan:
        """Compare the tracks with what is stored: count them, and list what must be written."""
        stored = {
            values[0]: values[1:]
            for values in rows_fetch(model=Track, key="spotify_id", values=list(tracks), columns=STORED_TRACK_COLUMNS)
        }
        stored_features = {
            values[0]: values[1:]
            for values in rows_fetch(
                model=TrackAudioFeatures,
                key="track_id",
                values=[current[0] for current in stored.values()],
                columns=["track_id", *ALL_FEATURES],
            )
        }
        now = timezone.now()
        plan = TrackPlan()
        for spotify_id, row in tracks.items():
            current = stored.get(spotify_id)
            explicit = row.explicit if row.explicit is not None else (current[4] if current else False)
            album_pk = self._album_ids[row.album_id] if row.album_id else None
            wanted = (row.track_name, album_pk, row.duration_ms, explicit, row.popularity)
            features = tuple(row.features[name] for name in ALL_FEATURES) if row.features else None
            track_same = current is not None and current[1:] == wanted
            features_same = features is None or (current is not None and stored_features.get(current[0]) == features)
            self._count_track(current=current, changed=not (track_same and features_same))
            if not features_same:
                plan.features.append(row)
            if track_same and current is not None:  # the same track is a stored one
                self._track_ids[spotify_id] = current[0]
            else:
                (plan.update if current else plan.create).append(
                    (spotify_id, row.track_name, album_pk, row.duration_ms, explicit, row.popularity,
                     track_spotify_data(spotify_id), {}, [], 1, 1, now, now)
                )  # fmt: skip
        return plan

    def _count_track(self, *, current: tuple | None, changed: bool) -> None:
        if not changed:
            self.summary.tracks_unchanged += 1
        elif current is None:
            self.summary.tracks_created += 1
        else:
            self.summary.tracks_updated += 1

    def _insert_absent_tracks(self, tracks: dict[str, ParsedRow], plan: TrackPlan) -> set[str]:
        """COPY the tracks not stored yet, their artist links and features straight into their tables; returns
        their spotify ids (none when `rows_insert_absent` declines, and the batch is upserted instead)."""
        ids = rows_insert_absent(model=Track, columns=TRACK_COLUMNS, rows=plan.create, key="spotify_id")
        if ids is None:
            return set()
        self._track_ids.update(ids)
        links = {
            (ids[spotify_id], self._artist_ids[synthetic_artist_id(name)])
            for spotify_id in ids
            for name in tracks[spotify_id].artist_names
        }
        rows_copy(model=Track.artists.through, columns=["track_id", "artist_id"], rows=list(links))
        features = [row for row in plan.features if row.track_id in ids]
        rows_copy(model=TrackAudioFeatures, columns=FEATURE_COLUMNS, rows=self._feature_rows(features))
        self.summary.features_written += len(features)
        return set(ids)

    def _upsert_tracks(self, tracks: dict[str, ParsedRow], write: list[tuple]) -> None:
        self._track_ids.update(
            rows_upsert(
                model=Track, columns=TRACK_COLUMNS, rows=write, conflict="spotify_id", update_columns=TRACK_UPDATES
            )
        )
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

    def _upsert_features(self, rows: list[ParsedRow]) -> None:
        rows_upsert(
            model=TrackAudioFeatures,
            columns=FEATURE_COLUMNS,
            rows=self._feature_rows(rows),
            conflict="track_id",
            update_columns=[*ALL_FEATURES, "modified_at"],
            returning=False,
        )
        self.summary.features_written += len(rows)

    def _feature_rows(self, rows: list[ParsedRow]) -> list[tuple]:
        now = timezone.now()
        return [
            (self._track_ids[row.track_id], *((row.features or {})[name] for name in ALL_FEATURES), now, now)
            for row in rows
        ]


def catalog_import_csv(
    *, path: Path, batch_rows: int = BATCH_ROWS, on_progress: ProgressCallback | None = None
) -> ImportSummary:
    """Import a Spotify tracks export (either layout); returns created/updated/skipped/failed counts.

    Raises CatalogImportError for a file it cannot read or a database without the catalog's tables.
    """
    return CatalogCsvImporter(batch_rows=batch_rows, on_progress=on_progress).run(path=path)
