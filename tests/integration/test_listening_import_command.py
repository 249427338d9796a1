"""manage.py import_listens with small files written here (never the shared Last.fm data)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from listening.models import ArtistPlayCount, Listen, ListenSource
from tests.factories_auth import UserFactory
from tests.factories_catalog import ArtistFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_listens", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def lb(ts, artist, track, **extra):
    return {"listened_at": ts, "track_metadata": {"artist_name": artist, "track_name": track, **extra}}


def test_a_listenbrainz_json_export_is_imported_once(tmp_path):
    user = UserFactory()
    path = tmp_path / "listens.json"
    path.write_text(json.dumps([lb(1700000000 + n * 300, "Dool", f"Song {n}", release_name="LP") for n in range(5)]))

    out, _ = run(path, "--user", user.username)
    again, _ = run(path, "--user", user.username)

    assert "as listenbrainz" in out
    assert "5 stored" in out
    assert "0 stored, 5 already there" in again
    assert Listen.objects.filter(user=user, source=ListenSource.IMPORT).count() == 5


def test_listenbrainz_jsonl_bad_lines_are_named_and_the_rest_imported(tmp_path):
    user = UserFactory()
    path = tmp_path / "listens.jsonl"
    lines = [
        json.dumps(lb(1700000000, "A", "One")),
        "{broken",
        json.dumps({"listened_at": 1700000100}),
        json.dumps(lb(1700000200, "A", "Two")),
    ]
    path.write_text("\n".join(lines) + "\n")

    out, err = run(path, "--user", user.username)

    assert "line 2: not JSON" in err
    assert "line 3: not a ListenBrainz listen" in err
    assert "2 stored" in out
    assert Listen.objects.filter(user=user).count() == 2


def test_a_lastfm_scrobble_csv_without_header(tmp_path):
    user = UserFactory()
    path = tmp_path / "scrobbles.csv"
    path.write_text(
        "Slowdive,Souvlaki,Alison,31 Jan 2021 12:34\n"
        '"Sigur Rós","Takk...","Hoppípolla","01 Feb 2021 08:00"\n'
        "Broken,,Row,yesterday\n"
    )

    out, err = run(path, "--user", user.username)

    assert "as lastfm" in out
    assert "line 3: unreadable date 'yesterday'" in err
    assert sorted(Listen.objects.filter(user=user).values_list("track_name", flat=True)) == ["Alison", "Hoppípolla"]
    alison = Listen.objects.get(user=user, track_name="Alison")
    assert alison.listened_at.isoformat() == "2021-01-31T12:34:00+00:00"
    assert alison.release_name == "Souvlaki"


def test_a_lastfm_csv_with_uts_header(tmp_path):
    user = UserFactory()
    path = tmp_path / "lastfmstats.csv"
    path.write_text(
        "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n1612166400,,Slowdive,,Souvlaki,,Alison,\n"
    )

    run(path, "--user", user.username)

    assert Listen.objects.get(user=user).listened_at.timestamp() == 1612166400


def test_hetrec_play_counts_create_one_user_per_source_user_and_reimport_overwrites(tmp_path):
    ArtistFactory(name="Diary of Dreams")
    counts = tmp_path / "user_artists.dat"
    counts.write_text("userID\tartistID\tweight\n2\t1\t13883\n2\t2\t11690\n3\t2\t5\n3\tx\tnope\n")
    artists = tmp_path / "artists.dat"
    artists.write_text(
        "id\tname\turl\tpictureURL\n1\tMALICE MIZER\thttp://x\thttp://y\n2\tDiary of Dreams\thttp://x\thttp://y\n"
    )

    out, err = run(counts, "--user-prefix", "hetrec-", "--artists", artists)
    run(counts, "--user-prefix", "hetrec-", "--artists", artists)

    assert "as hetrec" in out
    assert "line 5:" in err
    rows = {(row.user.username, row.artist_name): row for row in ArtistPlayCount.objects.select_related("user")}
    assert set(rows) == {("hetrec-2", "MALICE MIZER"), ("hetrec-2", "Diary of Dreams"), ("hetrec-3", "Diary of Dreams")}
    assert rows[("hetrec-2", "MALICE MIZER")].plays == 13883
    assert rows[("hetrec-2", "Diary of Dreams")].artist is not None
    assert not rows[("hetrec-3", "Diary of Dreams")].user.is_active


def test_play_counts_for_one_existing_user(tmp_path):
    user = UserFactory()
    path = tmp_path / "plays.csv"
    path.write_text("user,artist,plays\n7,Slowdive,40\n8,Other,3\n")

    run(path, "--user", user.username, "--source-user", "7")

    assert list(ArtistPlayCount.objects.values_list("user_id", "artist_name", "plays")) == [(user.pk, "Slowdive", 40)]


def test_an_unknown_user_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.json", "--user", "nobody")
    path = tmp_path / "x.json"
    path.write_text("[]")
    with pytest.raises(CommandError, match="No Juke user named 'nobody'"):
        run(path, "--user", "nobody")


def test_listens_the_database_cannot_store_are_named_and_the_rest_imported(tmp_path):
    user = UserFactory()
    path = tmp_path / "listens.jsonl"
    lines = [
        lb(10**20, "A", "Time out of range"),
        lb(1700000000, "A\u0000B", "NUL in a name"),
        lb(1700000100, "A", "NUL in extra data", additional_info={"tags": ["x\u0000"]}),
        lb(1700000200, "A", "Fine"),
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    out, err = run(path, "--user", user.username)

    assert "line 1: not a ListenBrainz listen" in err
    assert "line 2: A listen cannot contain the character U+0000 (NUL)." in err
    assert "line 3: A listen cannot contain the character U+0000 (NUL)." in err
    assert "1 stored" in out
    assert list(Listen.objects.filter(user=user).values_list("track_name", flat=True)) == ["Fine"]


def test_a_lastfm_record_the_csv_reader_refuses_is_named_and_reading_goes_on(tmp_path):
    user = UserFactory()
    path = tmp_path / "scrobbles.csv"
    too_long = "x" * 200_000  # over the csv module's field size limit
    path.write_text(
        f"Dool,LP,One,01 Jan 2024 10:00\nDool,LP,{too_long},01 Jan 2024 10:05\nDool,LP,Two,01 Jan 2024 10:10\n"
    )

    out, err = run(path, "--user", user.username)

    assert "line 2: unreadable CSV (field larger than field limit" in err
    assert "2 stored" in out
    assert set(Listen.objects.filter(user=user).values_list("track_name", flat=True)) == {"One", "Two"}


def test_json_nested_deeper_than_the_parser_goes_is_a_clear_error(tmp_path):
    user = UserFactory()
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n" + json.dumps(lb(1700000000, "A", "Fine")) + "\n")
    array = tmp_path / "deep.json"
    array.write_text("[" + "[" * 100_000 + "]" * 100_000 + "]")

    out, err = run(lines, "--user", user.username)
    with pytest.raises(CommandError, match="The file is not valid JSON"):
        run(array, "--user", user.username)

    assert "line 1: not JSON" in err
    assert "1 stored" in out
