"""Build small catalogs for the recommender's tests and benchmarks (not used by the running service).

`catalog_create_from_rows` takes rows shaped like spotify_songs.csv and imports them with the catalog's own
importer, so tests see the ids, genres and audio features that `import_catalog` really writes.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from catalog.models import Track, TrackAudioFeatures
from catalog.services.import_csv import catalog_import_csv
from listening.models import ListenSource
from listening.services.ingest import ListenInput, listens_ingest

FEATURES = TrackAudioFeatures.REQUIRED_FEATURES


def read_rows(path: str | Path, limit: int | None = None) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows[:limit] if limit else rows


def catalog_create_from_rows(rows: Iterable[Mapping[str, Any]], *, with_audio_features: bool = True) -> dict[str, int]:
    """Import spotify_songs-style rows through the catalog's real importer (`import_catalog`); returns counts."""
    rows = [dict(row) for row in rows]
    if not with_audio_features:
        for row in rows:
            row.update(dict.fromkeys(FEATURES, ""))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "catalog.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        summary = catalog_import_csv(path=path)
    return {"tracks": Track.objects.count(), "failed": summary.failed_rows}


DEMO_CSV = Path(__file__).resolve().parent.parent / "demo" / "spotify_songs_sample.csv"


def demo_catalog_create(*, step: int = 3, with_audio_features: bool = True) -> dict[str, int]:
    """Every `step`-th row of the demo catalog (spread over all its genres), written to the database."""
    rows = read_rows(DEMO_CSV)[::step]
    return catalog_create_from_rows(rows, with_audio_features=with_audio_features)


def listens_create(user, tracks: Iterable[Track], *, times: int = 1, days_ago: float = 1.0) -> int:
    """`times` listens of each track by `user`, `days_ago` days ago (an hour apart), stored as an import would."""
    start = timezone.now() - timedelta(days=days_ago)
    listens = []
    for position, track in enumerate(tracks):
        artist = track.artists.first()
        for repeat in range(times):
            listens.append(
                ListenInput(
                    listened_at=start - timedelta(hours=position * times + repeat),
                    artist_name=artist.name if artist else track.name,
                    track_name=track.name,
                    track_id=track.id,
                )
            )
    return listens_ingest(user=user, listens=listens, source=ListenSource.IMPORT).created
