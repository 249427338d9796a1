"""Track name search on PostgreSQL reads the narrow search table: it must follow every write to the tracks."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import Track
from catalog.selectors import track_list
from catalog.services.import_csv import catalog_import_csv
from tests.factories_catalog import TrackFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the search table exists on PostgreSQL only"),
]

SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "spotify_songs_sample.csv"


def _found(text: str) -> list[str]:
    return list(track_list(search=text).values_list("name", flat=True))


def _search_rows() -> dict[int, str]:
    """The search table's names, with its stand-ins for spaces turned back into spaces (migration 0006)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT track_id, translate(name, ' q', 'q ') FROM catalog_track_search")
        return dict(cursor.fetchall())


def test_a_saved_track_is_found_and_a_renamed_one_only_by_its_new_name():
    track = TrackFactory(name="Night Drive")

    assert _found("night dr") == ["Night Drive"]

    track.name = "Morning Walk"
    track.save()

    assert _found("night") == []
    assert _found("MORNING") == ["Morning Walk"]


def test_deleted_tracks_leave_the_search_table():
    keep, gone = TrackFactory(name="Keep Me"), TrackFactory(name="Delete Me")

    gone.delete()
    Track.objects.filter(pk=-1).delete()  # an empty statement is harmless

    assert _search_rows() == {keep.pk: "KEEP ME"}


def test_like_wildcards_in_the_query_match_literally():
    TrackFactory(name="100% Pure"), TrackFactory(name="1000 Pure"), TrackFactory(name="snake_case")

    assert _found("100%") == ["100% Pure"]
    assert _found("e_c") == ["snake_case"]
    assert _found("ec") == []


TRICKY_NAMES = [
    "Love Night", "Glove Nightfall", "LOVE  NIGHT", "love\tnight", "Love-Night", "Lovenight", "Quiet Queen q",
    "qq Q q", "Café Noir", "CAFÉ noir", "Ève Été", "straße", "100% Pure", "1000 Pure", "snake_case", "back\\slash",
    "Rock & Roll", "Rock&Roll", "  padded  ", "Don't Stop", "Mr. Q", "Ñandú", "ǅemal", "İstanbul", "x",
]  # fmt: skip
TRICKY_QUERIES = [
    "love night", "LOVE NIGHT", "ve ni", "e n", "ove nightf", "love  night", "love\tnight", "love-night", "q", "Q",
    "q q", "n q", "queen q", "quiet queen q", "uiet que", "café", "CAFE", "é n", "ève été", "STRASSE", "straße", "100%", "%",
    "_", "e_c", "\\", "back\\", "rock & roll", "k & r", "&", "don't", "'t s", "mr. q", "r. q", "ñandú", "ǆ",
    "istanbul", "i̇stanbul", "x", " love night ", "ght", "zzz zzz",
]  # fmt: skip


def test_search_finds_exactly_what_a_plain_case_insensitive_substring_match_finds():
    for name in TRICKY_NAMES:
        TrackFactory(name=name)

    for query in TRICKY_QUERIES:
        plain = Track.objects.filter(name__icontains=query.strip()).order_by("id").values_list("name", flat=True)
        assert _found(query) == list(plain), query
    assert _found("love night") == ["Love Night", "Glove Nightfall"]  # the comparison is not vacuous


def test_an_update_that_keeps_names_writes_nothing_to_the_search_table():
    track = TrackFactory(name="Same Name")

    Track.objects.filter(pk=track.pk).update(popularity=7)

    assert _search_rows() == {track.pk: "SAME NAME"}


def test_the_bulk_import_fills_the_search_table_with_every_track_and_name():
    call_command("import_catalog", str(SAMPLE), "--no-progress", "--defer-search-indexes", stdout=io.StringIO())

    stored = {pk: name.upper() for pk, name in Track.objects.values_list("pk", "name")}
    assert _search_rows() == stored
    assert len(stored) > 1000


def test_a_re_import_with_changed_names_renames_in_the_search_table(tmp_path):
    path = tmp_path / "songs.csv"
    lines = SAMPLE.read_text().splitlines()[:301]
    path.write_text("\n".join(lines) + "\n")
    catalog_import_csv(path=path)
    track = Track.objects.order_by("pk").first()
    path.write_text(path.read_text().replace(f"{track.spotify_id},{track.name},", f"{track.spotify_id},Zyzzyx Tune,"))

    summary = catalog_import_csv(path=path)

    assert summary.tracks_updated == 1
    assert _found("zyzzyx") == ["Zyzzyx Tune"]
    assert _search_rows()[track.pk] == "ZYZZYX TUNE"


def _index_definitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'catalog_%%'")
        return {definition for (definition,) in cursor.fetchall()}


def test_an_import_with_deferred_search_indexes_ends_with_exactly_the_indexes_migrate_made():
    before = _index_definitions()

    call_command("import_catalog", str(SAMPLE), "--no-progress", "--defer-search-indexes", stdout=io.StringIO())

    assert _index_definitions() == before
    assert "catalog_track_search_name_trgm" in str(before)
