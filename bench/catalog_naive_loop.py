"""The baseline: import the first N rows of a spotify_songs.csv-layout file one row at a time with
get_or_create/update_or_create (what a straightforward import loop does). Prints rows/s and tracks/s.

Run with the same database settings as the bulk import (POSTGRES_NAME=... in the environment).
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")

import django

django.setup()

from catalog.models import (  # noqa: E402
    Album,
    Artist,
    Genre,
    Track,
    TrackAudioFeatures,
)
from catalog.services.csv_rows import FEATURE_FIELDS, synthetic_artist_id  # noqa: E402
from catalog.services.dates import release_date_parse  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("csv_path", type=Path)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = 0
    tracks = set()
    with args.csv_path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if rows >= args.rows:
                break
            rows += 1
            if not row["track_name"] or not row["track_artist"]:
                continue
            genres = [
                Genre.objects.get_or_create(spotify_id=f"genre-{name}", defaults={"name": name})[0]
                for name in (row["playlist_genre"], row["playlist_subgenre"])
            ]
            artist, _ = Artist.objects.get_or_create(
                spotify_id=synthetic_artist_id(row["track_artist"]), defaults={"name": row["track_artist"]}
            )
            artist.genres.add(*genres)
            release_date, precision = release_date_parse(value=row["track_album_release_date"])
            album, _ = Album.objects.update_or_create(
                spotify_id=row["track_album_id"],
                defaults={
                    "name": row["track_album_name"],
                    "release_date": release_date,
                    "release_date_precision": precision,
                },
            )
            album.artists.add(artist)
            track, _ = Track.objects.update_or_create(
                spotify_id=row["track_id"],
                defaults={
                    "name": row["track_name"],
                    "album": album,
                    "duration_ms": int(row["duration_ms"]),
                    "popularity": int(row["track_popularity"]),
                },
            )
            track.artists.add(artist)
            TrackAudioFeatures.objects.update_or_create(
                track=track, defaults={name: float(row[name]) for name in FEATURE_FIELDS}
            )
            tracks.add(row["track_id"])
    elapsed = time.perf_counter() - started
    print(
        f"naive rows={rows} tracks={len(tracks)} seconds={elapsed:.2f} rows_per_s={rows / elapsed:.0f} "
        f"tracks_per_s={len(tracks) / elapsed:.0f}"
    )


if __name__ == "__main__":
    main()
