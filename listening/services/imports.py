"""File imports: a ListenBrainz JSON export, a Last.fm scrobble CSV, or HetRec-style user-artist play counts.

Files are read as a stream and stored a batch at a time through the one ingest service, so a file
imported twice changes nothing. A bad line is reported with its line number and skipped; the rest goes in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TextIO

from django.contrib.auth import get_user_model
from django.db import transaction

from catalog.models import Artist
from juke_auth.models import JukeUser
from listening.errors import ImportFormatUnknown, ListenInvalid
from listening.models import ArtistPlayCount, ListenSource
from listening.services.ingest import ListenInput, listen_clean, listen_fingerprint, listens_ingest
from listening.services.listenbrainz import ListenBrainzInvalid, listen_input_from
from listening.services.matching import name_normalise

ImportFormat = Literal["listenbrainz", "lastfm", "hetrec"]
IMPORT_BATCH_SIZE = 1000
_LASTFM_DATE_FORMATS = ("%d %b %Y %H:%M", "%d %b %Y, %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ImportReport:
    lines: int = 0
    created: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


Progress = Callable[[ImportReport], None]


def import_format_detect(*, path: Path) -> ImportFormat:
    """Which export a file is, from its first bytes (JSON, a play-count header, else a Last.fm CSV)."""
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        head = handle.read(4096)
    stripped = head.lstrip()
    if stripped.startswith(("[", "{")):
        return "listenbrainz"
    first_line = stripped.splitlines()[0].lower() if stripped else ""
    columns = [column.strip() for column in first_line.replace("\t", ",").split(",")]
    if len(columns) == 3 and (columns[-1] in ("plays", "weight", "playcount") or "\t" in stripped.splitlines()[0]):
        return "hetrec"
    if len(columns) >= 3:
        return "lastfm"
    raise ImportFormatUnknown()


# Parsers: each yields (line number, ListenInput) or (line number, error message). ---------------------


def _listenbrainz_lines(handle: TextIO) -> Iterator[tuple[int, ListenInput | str]]:
    """A JSON array of listens, or JSON Lines (one listen per line, as ListenBrainz's newer exports)."""
    text_start = handle.read(1)
    while text_start.isspace():
        text_start = handle.read(1)
    if text_start == "[":
        items = json.loads("[" + handle.read())
        numbered = ((index + 1, item) for index, item in enumerate(items))
        label = "listen"
    else:
        numbered = ((number, line) for number, line in enumerate(io.StringIO(text_start + handle.read()), start=1))
        label = "line"
    for number, raw in numbered:
        if isinstance(raw, str):
            if not raw.strip():
                continue
            try:
                raw = json.loads(raw)
            except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
                yield number, f"{label} {number}: not JSON ({exc})"
                continue
        try:
            yield number, listen_input_from(_listenbrainz_listen(raw))
        except (KeyError, TypeError, ValueError, OverflowError, ListenBrainzInvalid) as exc:
            yield number, f"{label} {number}: not a ListenBrainz listen ({exc})"


def _listenbrainz_listen(raw: dict) -> dict:
    metadata = raw["track_metadata"]
    if not isinstance(metadata.get("artist_name"), str) or not isinstance(metadata.get("track_name"), str):
        raise ValueError("track_metadata needs artist_name and track_name")
    return {"listened_at": int(raw["listened_at"]), "track_metadata": metadata}


def _lastfm_time(row: dict[str, str]) -> datetime:
    if row.get("uts"):
        return datetime.fromtimestamp(int(row["uts"]), tz=UTC)
    text = (row.get("utc_time") or row.get("date") or "").strip()
    for date_format in _LASTFM_DATE_FORMATS:
        try:
            return datetime.strptime(text, date_format).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"unreadable date {text!r}")


def _csv_records(handle: TextIO) -> Iterator[tuple[int, list[str] | str]]:
    """(line number, fields), or (line number, error) for a record the csv module cannot read (an oversized
    field, say); reading goes on after it."""
    reader = csv.reader(handle)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, f"line {reader.line_num}: unreadable CSV ({exc})"
            continue
        yield reader.line_num, row


def _lastfm_lines(handle: TextIO) -> Iterator[tuple[int, ListenInput | str]]:
    """With a header (uts or utc_time, artist, album, track ...) or without one: artist, album, track, date."""
    header: list[str] | None = None
    for number, row in _csv_records(handle):
        if isinstance(row, str):
            yield number, row
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        if number == 1 and {"artist", "track"} <= {cell.strip().lower() for cell in row}:
            header = [cell.strip().lower() for cell in row]
            continue
        try:
            values = dict(zip(header or ("artist", "album", "track", "date"), row, strict=False))
            yield (
                number,
                ListenInput(
                    listened_at=_lastfm_time(values),
                    artist_name=values.get("artist", ""),
                    track_name=values.get("track", ""),
                    release_name=values.get("album", ""),
                    recording_mbid=values.get("track_mbid") or None,
                ),
            )
        except (ValueError, OverflowError) as exc:
            yield number, f"line {number}: {exc}"


def _listens_import(
    *, user: JukeUser, lines: Iterator[tuple[int, ListenInput | str]], progress: Progress | None
) -> ImportReport:
    report = ImportReport()
    batch: list[ListenInput] = []

    def flush() -> None:
        result = listens_ingest(user=user, listens=batch, source=ListenSource.IMPORT)
        report.created += result.created
        report.duplicates += result.duplicates
        batch.clear()
        if progress:
            progress(report)

    for number, item in lines:
        report.lines = number
        if isinstance(item, str):
            report.errors.append(item)
            continue
        try:
            batch.append(listen_clean(item))
        except ListenInvalid as exc:
            report.errors.append(f"line {number}: {exc.detail}")
        if len(batch) >= IMPORT_BATCH_SIZE:
            flush()
    if batch:
        flush()
    return report


# HetRec: aggregated plays per user and artist. -------------------------------------------------------


def _hetrec_rows(handle: TextIO, artist_names: dict[str, str]) -> Iterator[tuple[int, tuple[str, str, int] | str]]:
    dialect = "excel-tab" if "\t" in handle.readline() else "excel"
    for number, row in enumerate(csv.reader(handle, dialect=dialect), start=2):
        if not row:
            continue
        try:
            source_user, artist, plays = (cell.strip() for cell in row)
            name = artist_names.get(artist, artist) if artist_names else artist
            count = int(plays)
            if not name or count < 0:
                raise ValueError("needs an artist and a play count of 0 or more")
            yield number, (source_user, name, count)
        except ValueError as exc:
            yield number, f"line {number}: {exc}"


def _artist_names(path: Path | None) -> dict[str, str]:
    """HetRec's artists.dat (id, name, ...) as {id: name}; {} when the file gives names itself."""
    if path is None:
        return {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        rows = csv.reader(handle, dialect="excel-tab", quoting=csv.QUOTE_NONE)
        next(rows, None)
        return {row[0]: row[1] for row in rows if len(row) >= 2}


def _hetrec_user(*, source_user: str, user: JukeUser | None, user_prefix: str | None):
    if user is not None:
        return user
    username = f"{user_prefix}{source_user}"
    account, created = get_user_model().objects.get_or_create(username=username, defaults={"is_active": False})
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account


def play_counts_import(
    *,
    path: Path,
    user: JukeUser | None = None,
    source_user: str | None = None,
    user_prefix: str | None = None,
    artists_path: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Store (user, artist, plays) rows as ArtistPlayCount, for `user` (rows of `source_user` only) or for
    one inactive Juke user per source user named `<user_prefix><id>`. Importing again overwrites the counts."""
    report = ImportReport()
    names = _artist_names(artists_path)
    rows: list[ArtistPlayCount] = []
    owners: dict[str, JukeUser] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, item in _hetrec_rows(handle, names):
            report.lines = number
            if isinstance(item, str):
                report.errors.append(item)
                continue
            source, artist_name, plays = item
            if user is not None and source_user is not None and source != source_user:
                continue
            if source not in owners:
                owners[source] = _hetrec_user(source_user=source, user=user, user_prefix=user_prefix)
            rows.append(_play_count_row(owners[source], artist_name, plays))
            if len(rows) >= IMPORT_BATCH_SIZE:
                report.created += _play_counts_store(rows)
                rows = []
                if progress:
                    progress(report)
    report.created += _play_counts_store(rows)
    return report


def _play_count_row(owner, artist_name: str, plays: int) -> ArtistPlayCount:
    name = " ".join(artist_name.split())[:512]
    return ArtistPlayCount(
        user=owner, artist_name=name, plays=plays, fingerprint=listen_fingerprint(artist_name=name, track_name="")
    )


@transaction.atomic
def _play_counts_store(rows: list[ArtistPlayCount]) -> int:
    if not rows:
        return 0
    wanted = {name_normalise(row.artist_name) for row in rows}
    artists = {
        name_normalise(name): pk
        for pk, name in Artist.objects.filter(name__in={row.artist_name for row in rows}).values_list("id", "name")
        if name_normalise(name) in wanted
    }
    for row in rows:
        row.artist_id = artists.get(name_normalise(row.artist_name))
    unique = {(row.user_id, row.fingerprint): row for row in rows}
    ArtistPlayCount.objects.bulk_create(
        unique.values(),
        update_conflicts=True,
        unique_fields=["user", "fingerprint"],
        update_fields=["plays", "artist_name", "artist", "imported_at"],
    )
    return len(unique)


def listens_import(
    *, path: Path, user: JukeUser, file_format: ImportFormat, progress: Progress | None = None
) -> ImportReport:
    """Import a ListenBrainz or Last.fm export file as the user's listens (idempotent)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        lines = _listenbrainz_lines(handle) if file_format == "listenbrainz" else _lastfm_lines(handle)
        try:
            return _listens_import(user=user, lines=lines, progress=progress)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ListenInvalid(f"The file is not valid JSON: {exc}", code="import_not_json") from None
