"""Row parsing of the CSV import (no database)."""

import pytest

from catalog.services.csv_rows import parse_row, synthetic_album_id, synthetic_artist_id

TIDY = {
    "track_id": "6f807x0ima9a1j3VPbc7VN",
    "track_name": "I Don't Care",
    "track_artist": "Ed Sheeran",
    "track_popularity": "66",
    "track_album_id": "2oCs0DGTsRO98Gh5ZSl2Cx",
    "track_album_name": "I Don't Care (Remix)",
    "track_album_release_date": "2019-06",
    "playlist_genre": "pop",
    "playlist_subgenre": "dance pop",
    "danceability": "0.748",
    "energy": "0.916",
    "key": "6",
    "loudness": "-2.634",
    "mode": "1",
    "speechiness": "0.0583",
    "acousticness": "0.102",
    "instrumentalness": "0.0",
    "liveness": "0.0653",
    "valence": "0.518",
    "tempo": "122.036",
    "duration_ms": "194754",
}
OTHER = {
    "track_id": "5SuOikwiRyPMVoIQDJUgSV",
    "artists": "Gen Hoshino;  Ben Woodward ",
    "album_name": "Comedy",
    "track_name": "Comedy",
    "popularity": "73",
    "duration_ms": "230666",
    "explicit": "False",
    "danceability": "0.676",
    "energy": "0.461",
    "key": "1",
    "loudness": "-6.746",
    "mode": "0",
    "speechiness": "0.143",
    "acousticness": "0.0322",
    "instrumentalness": "1.01e-06",
    "liveness": "0.358",
    "valence": "0.715",
    "tempo": "87.917",
    "time_signature": "4",
    "track_genre": "acoustic",
}


def test_spotify_songs_layout_row():
    row = parse_row(row=TIDY, layout="tidytuesday", line=2)

    assert row.artist_names == ["Ed Sheeran"]
    assert row.album_id == "2oCs0DGTsRO98Gh5ZSl2Cx"
    assert str(row.release_date) == "2019-06-01"
    assert row.release_precision == "month"
    assert row.genres == ["pop", "dance pop"]
    assert row.features["key"] == 6
    assert row.features["time_signature"] is None
    assert row.explicit is None
    assert row.popularity == 66


def test_tracks_dataset_layout_row_splits_artists_and_derives_an_album_id():
    row = parse_row(row=OTHER, layout="tracks-dataset", line=2)

    assert row.artist_names == ["Gen Hoshino", "Ben Woodward"]
    assert row.album_id == synthetic_album_id("Comedy", "Gen Hoshino")
    assert row.explicit is False
    assert row.features["time_signature"] == 4
    assert row.genres == ["acoustic"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"track_id": ""}, "missing or invalid track_id"),
        ({"track_album_id": "a" * 65}, "invalid album id"),
        ({"duration_ms": "long"}, "duration_ms is not a number"),
        ({"track_popularity": "101"}, "popularity out of range"),
        ({"energy": "loud"}, "energy is not a number"),
        ({"tempo": "inf"}, "tempo is not a finite number"),
        ({"key": "5.5"}, "key is not an integer"),
        ({"mode": "nan"}, "mode is not an integer"),
        ({"track_album_release_date": "2019-13-01"}, "invalid release date"),
    ],
)
def test_bad_rows_are_rejected_with_a_reason(change, reason):
    with pytest.raises(ValueError, match=reason):
        parse_row(row={**TIDY, **change}, layout="tidytuesday", line=7)


def test_a_row_without_names_keeps_its_track_with_an_empty_name_and_no_artist():
    row = parse_row(
        row={**TIDY, "track_name": "", "track_artist": "", "track_album_name": ""}, layout="tidytuesday", line=2
    )

    assert (row.track_name, row.artist_names, row.album_name) == ("", [], "")
    assert row.album_id == TIDY["track_album_id"]
    assert row.features is not None


def test_a_tracks_dataset_row_without_album_or_artists_has_no_album():
    row = parse_row(row={**OTHER, "artists": "", "album_name": ""}, layout="tracks-dataset", line=2)

    assert (row.album_id, row.artist_names) == ("", [])


def test_missing_audio_features_keep_the_track():
    row = parse_row(row={**TIDY, "energy": ""}, layout="tidytuesday", line=2)

    assert row.features is None


def test_synthetic_artist_ids_are_stable_and_ignore_case_and_spacing():
    assert synthetic_artist_id("The Weeknd") == synthetic_artist_id("  the   WEEKND ")
    assert synthetic_artist_id("The Weeknd") != synthetic_artist_id("Weeknd")
    assert synthetic_artist_id("The Weeknd").startswith("csv-artist-")
    assert len(synthetic_artist_id("x" * 500)) <= 64
