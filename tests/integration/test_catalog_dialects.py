"""The catalog's dialects: the PostgreSQL variant and the portable ORM one give the same rows.

The portable variant runs on every backend, so on PostgreSQL both are run side by side here.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from catalog.dialects import COPY_MIN_ROWS, PortableDialect, PostgresDialect, dialect_for
from catalog.models import Album, Artist
from catalog.services.ingest import rows_fetch, rows_upsert

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["spotify_id", "name", "spotify_data", "custom_data", "images", "created_at", "modified_at"]


def _artists(count: int, prefix: str, name: str = "Artist") -> list[tuple]:
    now = timezone.now()
    return [
        (
            f"{prefix}{n:05d}",
            f"{name} {n}",
            {"uri": f"spotify:artist:{prefix}{n:05d}", "say": 'a "quote"'},
            {},
            [],
            now,
            now,
        )
        for n in range(count)
    ]


def _variants():
    variants = [PortableDialect()]
    if connection.vendor == "postgresql":
        variants.append(PostgresDialect())
    return variants


@pytest.mark.parametrize("size", [3, COPY_MIN_ROWS + 5], ids=["small batch", "COPY-sized batch"])
def test_every_dialect_upserts_inserts_then_updates_and_returns_every_id(size):
    for number, dialect in enumerate(_variants()):
        prefix = f"d{number}-"
        first = dialect.rows_upsert(
            model=Artist, columns=COLUMNS, rows=_artists(size, prefix), conflict="spotify_id", update_columns=["name"]
        )
        again = dialect.rows_upsert(
            model=Artist,
            columns=COLUMNS,
            rows=_artists(size, prefix, name="Renamed"),
            conflict="spotify_id",
            update_columns=["name", "modified_at"],
        )

        assert first == again
        assert len(first) == size
        stored = Artist.objects.get(spotify_id=f"{prefix}00001")
        assert stored.pk == first[f"{prefix}00001"]
        assert stored.name == "Renamed 1"
        assert stored.spotify_data == {"uri": f"spotify:artist:{prefix}00001", "say": 'a "quote"'}  # real JSON


def test_every_dialect_adds_links_once_and_fetches_rows_by_key():
    artist_ids = rows_upsert(
        model=Artist,
        columns=COLUMNS,
        rows=_artists(COPY_MIN_ROWS + 1, "l-"),
        conflict="spotify_id",
        update_columns=["name"],
    )
    album = Album.objects.create(spotify_id="album-1", name="Album", release_date=dt.date(2001, 1, 1))
    for dialect in _variants():
        pairs = [(album.pk, pk) for pk in artist_ids.values()]
        dialect.links_insert(through=Album.artists.through, columns=("album_id", "artist_id"), pairs=pairs + pairs)
        dialect.links_insert(through=Album.artists.through, columns=("album_id", "artist_id"), pairs=pairs)

        assert album.artists.count() == len(artist_ids)
        fetched = dialect.rows_fetch(
            model=Artist, key="spotify_id", values=["l-00000", "nope"], columns=["spotify_id", "id"]
        )
        assert fetched == [("l-00000", artist_ids["l-00000"])]
    assert rows_fetch(model=Artist, key="spotify_id", values=[], columns=["id"]) == []


def test_the_default_database_gets_its_own_dialect():
    expected = PostgresDialect if connection.vendor == "postgresql" else PortableDialect
    assert type(dialect_for()) is expected


def test_only_the_dialect_module_looks_at_the_database_vendor():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "catalog").rglob("*.py")
        if "vendor" in path.read_text() and path.name != "dialects.py" and "migrations" not in path.parts
    ]

    assert offenders == []


def test_absent_rows_are_inserted_with_new_ids_or_left_to_the_upsert():
    size = COPY_MIN_ROWS + 5
    ids = dialect_for().rows_insert_absent(model=Artist, columns=COLUMNS, rows=_artists(size, "n-"), key="spotify_id")

    if connection.vendor != "postgresql":
        assert ids is None  # the portable variant has no faster way: the caller upserts
        return
    assert ids == dict(Artist.objects.filter(spotify_id__startswith="n-").values_list("spotify_id", "id"))
    assert len(ids) == size
    assert Artist.objects.get(spotify_id="n-00001").spotify_data["say"] == 'a "quote"'


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the portable variant never inserts here")
def test_a_row_stored_meanwhile_by_another_writer_leaves_the_whole_batch_to_the_upsert():
    rows = _artists(COPY_MIN_ROWS + 5, "c-")
    Artist.objects.create(spotify_id="c-00007", name="Stored meanwhile")

    ids = dialect_for().rows_insert_absent(model=Artist, columns=COLUMNS, rows=rows, key="spotify_id")

    assert ids is None
    assert list(Artist.objects.filter(spotify_id__startswith="c-").values_list("name", flat=True)) == [
        "Stored meanwhile"
    ]
    upserted = rows_upsert(model=Artist, columns=COLUMNS, rows=rows, conflict="spotify_id", update_columns=["name"])
    assert len(upserted) == len(rows)  # the transaction is still usable after the undone COPY
