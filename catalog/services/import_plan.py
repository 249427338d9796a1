"""What a CSV import writes: the columns of each table, the plan for one batch's tracks, the run's counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.services.csv_rows import FEATURE_FIELDS, ParsedRow

ALL_FEATURES = [*FEATURE_FIELDS, "time_signature"]
FEATURE_COLUMNS = ["track_id", *ALL_FEATURES, "created_at", "modified_at"]
ARTIST_COLUMNS = ["spotify_id", "name", "spotify_data", "custom_data", "images", "created_at", "modified_at"]
ALBUM_COLUMNS = [
    "spotify_id", "name", "release_date", "release_date_precision", "spotify_data",
    "custom_data", "images", "album_type", "total_tracks", "created_at", "modified_at",
]  # fmt: skip
ALBUM_UPDATES = ["name", "release_date", "release_date_precision", "modified_at"]
TRACK_COLUMNS = [
    "spotify_id", "name", "album_id", "duration_ms", "explicit", "popularity", "spotify_data",
    "custom_data", "images", "track_number", "disc_number", "created_at", "modified_at",
]  # fmt: skip
TRACK_UPDATES = ["name", "album_id", "duration_ms", "explicit", "popularity", "modified_at"]
STORED_TRACK_COLUMNS = ["spotify_id", "id", "name", "album_id", "duration_ms", "explicit", "popularity"]


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
    warnings: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.tracks_unchanged + self.duplicate_rows


@dataclass
class TrackPlan:
    """What one batch's tracks need: rows to create and to update, rows whose audio features to write."""

    create: list[tuple] = field(default_factory=list)
    update: list[tuple] = field(default_factory=list)
    features: list[ParsedRow] = field(default_factory=list)
