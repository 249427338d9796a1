"""import_catalog against the real demo sample and hand-written files (SQLite and PostgreSQL)."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures
from catalog.services.import_csv import catalog_import_csv, synthetic_artist_id

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "spotify_songs_sample.csv"


def _distinct(path: Path) -> dict[str, set]:
    values = {"tracks": set(), "albums": set(), "artists": set(), "genres": set()}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            values["tracks"].add(row["track_id"])
            values["albums"].add(row["track_album_id"])
            if row["track_artist"]:
                values["artists"].add(synthetic_artist_id(row["track_artist"]))
            values["genres"] |= {row["playlist_genre"], row["playlist_subgenre"]}
    return values


def _counts():
    return (
        Genre.objects.count(),
        Artist.objects.count(),
        Album.objects.count(),
        Track.objects.count(),
        TrackAudioFeatures.objects.count(),
        Track.artists.through.objects.count(),
        Artist.genres.through.objects.count(),
    )


def test_import_of_the_demo_sample_matches_the_files_distinct_values():
    out = io.StringIO()

    call_command("import_catalog", str(SAMPLE), "--no-progress", stdout=out)

    distinct = _distinct(SAMPLE)
    assert Track.objects.count() == TrackAudioFeatures.objects.count() == len(distinct["tracks"])
    assert Album.objects.count() == len(distinct["albums"])
    assert Artist.objects.count() == len(distinct["artists"])
    assert Genre.objects.count() == len(distinct["genres"])
    assert f"tracks created {len(distinct['tracks'])}" in out.getvalue()


def test_re_running_the_import_creates_and_changes_nothing():
    call_command("import_catalog", str(SAMPLE), "--no-progress", stdout=io.StringIO())
    before = _counts()
    modified = set(Track.objects.values_list("id", "modified_at"))

    out = io.StringIO()
    call_command("import_catalog", str(SAMPLE), "--no-progress", stdout=out)

    assert _counts() == before
    assert set(Track.objects.values_list("id", "modified_at")) == modified
    assert "tracks created 0, updated 0" in out.getvalue()


def test_imported_rows_carry_relations_genres_dates_and_features():
    call_command("import_catalog", str(SAMPLE), "--no-progress", stdout=io.StringIO())
    with SAMPLE.open(newline="") as handle:
        row = next(csv.DictReader(handle))

    track = Track.objects.select_related("album").get(spotify_id=row["track_id"])
    artist = Artist.objects.get(spotify_id=synthetic_artist_id(row["track_artist"]))
    assert track.name == row["track_name"]
    assert track.album.spotify_id == row["track_album_id"]
    assert list(track.artists.all()) == [artist]
    assert list(track.album.artists.all()) == [artist]
    assert {row["playlist_genre"], row["playlist_subgenre"]} <= set(artist.genres.values_list("name", flat=True))
    assert track.audio_features.energy == float(row["energy"])
    assert track.spotify_data["uri"] == f"spotify:track:{row['track_id']}"
    assert track.album.release_date.isoformat().startswith(row["track_album_release_date"][:4])


def _write(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path = tmp_path / "export.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


TIDY_HEADER = [
    "track_id", "track_name", "track_artist", "track_popularity", "track_album_id", "track_album_name",
    "track_album_release_date", "playlist_genre", "playlist_subgenre", "danceability", "energy", "key", "loudness",
    "mode", "speechiness", "acousticness", "instrumentalness", "liveness", "valence", "tempo", "duration_ms",
]  # fmt: skip
FEATURES = ["0.5", "0.6", "5", "-5.0", "1", "0.05", "0.1", "0.0", "0.1", "0.4", "120.0"]


def _tidy(track_id, name="Song", artist="Band", date="2001", genre="rock", duration="200000", album="AlbumId1"):
    return [track_id, name, artist, "50", album, "The Album", date, genre, f"{genre} sub", *FEATURES, duration]


def test_bad_rows_are_reported_with_line_numbers_and_skipped_whole(tmp_path):
    path = _write(
        tmp_path,
        TIDY_HEADER,
        [
            _tidy("track0000000000000001"),
            _tidy("track0000000000000002", duration="forever"),
            _tidy("track0000000000000003", album="a" * 65),
            _tidy("track0000000000000004", date="2001-13-40"),
            _tidy("track0000000000000005", artist="Other Band"),
        ],
    )
    err = io.StringIO()

    call_command("import_catalog", str(path), "--no-progress", stdout=io.StringIO(), stderr=err)

    assert set(Track.objects.values_list("spotify_id", flat=True)) == {"track0000000000000001", "track0000000000000005"}
    assert "line 3: duration_ms is not a number" in err.getvalue()
    assert "line 4: invalid album id" in err.getvalue()
    assert "line 5: invalid release date" in err.getvalue()
    assert not Artist.objects.filter(name="Other").exists()


def test_a_track_repeated_with_other_genres_adds_them_to_its_artist(tmp_path):
    path = _write(tmp_path, TIDY_HEADER, [_tidy("t" * 22, genre="rock"), _tidy("t" * 22, genre="pop")])

    summary = catalog_import_csv(path=path)

    assert (summary.tracks_created, summary.duplicate_rows) == (1, 1)
    assert set(Artist.objects.get().genres.values_list("name", flat=True)) == {"rock", "rock sub", "pop", "pop sub"}


def test_changed_rows_update_the_stored_track(tmp_path):
    catalog_import_csv(path=_write(tmp_path, TIDY_HEADER, [_tidy("t" * 22, name="Old")]))

    summary = catalog_import_csv(path=_write(tmp_path, TIDY_HEADER, [_tidy("t" * 22, name="New")]))

    assert (summary.tracks_created, summary.tracks_updated) == (0, 1)
    assert Track.objects.get().name == "New"


def test_year_and_month_release_dates_are_stored_as_first_day_with_precision(tmp_path):
    catalog_import_csv(
        path=_write(
            tmp_path,
            TIDY_HEADER,
            [_tidy("a" * 22, date="1987", album="AlbumA"), _tidy("b" * 22, date="1987-06", album="AlbumB")],
        )
    )

    dates = dict(Album.objects.values_list("spotify_id", "release_date_precision"))
    assert dates == {"AlbumA": "year", "AlbumB": "month"}
    assert Album.objects.get(spotify_id="AlbumB").release_date.isoformat() == "1987-06-01"


def test_the_tracks_dataset_layout_is_imported(tmp_path):
    header = ["track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit", "danceability",
              "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness", "liveness",
              "valence", "tempo", "time_signature", "track_genre"]  # fmt: skip
    path = _write(
        tmp_path,
        header,
        [["5SuOikwiRyPMVoIQDJUgSV", "Gen Hoshino;Ben Woodward", "Comedy", "Comedy", "73", "230666", "True", *FEATURES,
          "4", "acoustic"]],
    )  # fmt: skip

    call_command("import_catalog", str(path), "--no-progress", stdout=io.StringIO())

    track = Track.objects.get()
    assert track.explicit is True
    assert sorted(track.artists.values_list("name", flat=True)) == ["Ben Woodward", "Gen Hoshino"]
    assert track.audio_features.time_signature == 4
    assert Genre.objects.get().name == "acoustic"


def test_an_unknown_layout_is_a_command_error(tmp_path):
    path = _write(tmp_path, ["id", "title"], [["1", "x"]])

    with pytest.raises(CommandError, match="unknown CSV layout"):
        call_command("import_catalog", str(path), "--no-progress")


def test_deferring_search_indexes_still_imports(tmp_path):
    call_command(
        "import_catalog",
        str(SAMPLE),
        "--no-progress",
        "--defer-search-indexes",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert Track.objects.filter(name__icontains="love").exists()


# The shared data folder sits beside the repository (as in CI's clone).
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "spotify_songs.csv"


@pytest.mark.skipif(not SHARED.exists(), reason=f"shared data not found: looked for {SHARED}")
def test_the_full_shared_file_loads_with_distinct_counts_and_re_runs_clean():
    first = catalog_import_csv(path=SHARED)

    distinct = _distinct(SHARED)
    assert Track.objects.count() == len(distinct["tracks"]) == 28_356  # 4 of them without a name or artist
    assert Album.objects.count() == len(distinct["albums"])
    assert Artist.objects.count() == len(distinct["artists"]) == 10_685
    assert Genre.objects.count() == len(distinct["genres"])
    assert first.failed_rows == 0
    assert TrackAudioFeatures.objects.count() == 28_356

    second = catalog_import_csv(path=SHARED)

    assert (second.tracks_created, second.tracks_updated, second.artists_created, second.albums_created) == (0, 0, 0, 0)
    assert second.tracks_unchanged == 28_356
