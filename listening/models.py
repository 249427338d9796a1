"""What people play and like: the interactions the taste model learns from.

A listen keeps the names exactly as submitted (a scrobbler knows names, not our ids) and points at a
catalog track once one matches; unmatched listens are kept and matched later, never dropped.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

# recording_msid = uuid5(this namespace, fingerprint): the ListenBrainz-style id of what was played (the
# normalised names), stable across re-imports and sources; with the user and listened_at it names one listen.
MSID_NAMESPACE = uuid.UUID("0b8c4f1e-7d0a-4f4b-9d68-2c7e1f5a9a31")


def recording_msid_for(fingerprint: str) -> uuid.UUID:
    """The recording MSID of a listen fingerprint (see MSID_NAMESPACE)."""
    return uuid.uuid5(MSID_NAMESPACE, fingerprint)


class ListenSource(models.TextChoices):
    JUKE = "juke", "Juke playback"
    SPOTIFY = "spotify", "Spotify history"
    SCROBBLER = "scrobbler", "Scrobbler (ListenBrainz API)"
    IMPORT = "import", "Import"


class Listen(models.Model):
    # No index of its own: the unique constraint below starts with user (see docs/adr/0008).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listens", db_index=False)
    listened_at = models.DateTimeField(help_text="When the listen started (UTC).")
    track = models.ForeignKey("catalog.Track", on_delete=models.SET_NULL, null=True, blank=True, related_name="listens")
    artist_name = models.CharField(max_length=512)
    track_name = models.CharField(max_length=512)
    release_name = models.CharField(max_length=512, blank=True, default="")
    spotify_id = models.CharField(max_length=64, blank=True, default="")
    isrc = models.CharField(max_length=12, blank=True, default="")
    recording_mbid = models.UUIDField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True, help_text="How long was played, when known.")
    source = models.CharField(max_length=16, choices=ListenSource.choices)
    additional_info = models.JSONField(default=dict, blank=True)
    # sha256 of the normalised artist and track names: one listen per user, start time and song.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-listened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "listened_at", "fingerprint"], name="listen_unique_per_user_time_song"
            )
        ]
        indexes = [
            # History pages and stats read a user's listens by time; the included columns let the stats
            # aggregate from the index alone (PostgreSQL index-only scans), without visiting the table.
            models.Index(
                fields=["user", "-listened_at", "-id"],
                include=["track", "duration_ms", "artist_name", "track_name", "release_name"],
                name="listen_user_time",
            ),
            models.Index(fields=["fingerprint"], condition=Q(track__isnull=True), name="listen_unmatched"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} played {self.artist_name} - {self.track_name} at {self.listened_at:%Y-%m-%d %H:%M}"

    @property
    def recording_msid(self) -> uuid.UUID:
        return recording_msid_for(self.fingerprint)


class ListenHistoryVersion(models.Model):
    """Per user: a number that every change to their listens bumps (listening.services.changes.listens_changed).

    What is built from a user's listens (their taste) is cached under this number: reading one row, where
    counting their listens read every one of them. No row (version 0): their listens have not changed since this
    table was added; nothing is backfilled, since the key only has to change when the listens do.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="listen_history_version"
    )
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Listens of {self.user_id} at version {self.version}"


class LikeSource(models.TextChoices):
    JUKE = "juke", "Liked in Juke"
    SPOTIFY_SAVED = "spotify_saved", "Saved in Spotify"
    SPOTIFY_TOP = "spotify_top", "Spotify top item"


class Like(models.Model):
    """A user likes one track, album or artist (exactly one of the three).

    `source` tells an explicit like from Spotify's saved tracks and top items (imported as initial taste).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    track = models.ForeignKey("catalog.Track", on_delete=models.CASCADE, null=True, blank=True, related_name="likes")
    album = models.ForeignKey("catalog.Album", on_delete=models.CASCADE, null=True, blank=True, related_name="likes")
    artist = models.ForeignKey("catalog.Artist", on_delete=models.CASCADE, null=True, blank=True, related_name="likes")
    source = models.CharField(max_length=16, choices=LikeSource.choices, default=LikeSource.JUKE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(track__isnull=False, album__isnull=True, artist__isnull=True)
                    | Q(track__isnull=True, album__isnull=False, artist__isnull=True)
                    | Q(track__isnull=True, album__isnull=True, artist__isnull=False)
                ),
                name="like_exactly_one_item",
            ),
            models.UniqueConstraint(fields=["user", "track"], condition=Q(track__isnull=False), name="like_track_once"),
            models.UniqueConstraint(fields=["user", "album"], condition=Q(album__isnull=False), name="like_album_once"),
            models.UniqueConstraint(
                fields=["user", "artist"], condition=Q(artist__isnull=False), name="like_artist_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Like by {self.user_id}"


class SpotifyHistorySync(models.Model):
    """Per user: where the Spotify recently-played import stands, and why it last failed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spotify_history")
    recently_played_after_ms = models.BigIntegerField(
        null=True, blank=True, help_text="Spotify's `after` cursor: the newest play imported (Unix ms)."
    )
    initial_import_at = models.DateTimeField(
        null=True, blank=True, help_text="When top items and saved tracks came in."
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True, default="")
    retry_not_before = models.DateTimeField(null=True, blank=True, help_text="Set when Spotify rate-limited us.")

    def __str__(self) -> str:
        return f"Spotify history of {self.user_id}"


class LatestImport(models.Model):
    """Per user: the newest listen an importer says it has sent (ListenBrainz's `latest-import`), so it resumes there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="latest_import"
    )
    latest_import = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} imported up to {self.latest_import:%Y-%m-%d %H:%M}"


class ArtistPlayCount(models.Model):
    """Aggregated plays of one artist by one user, from imports that have no single listens (HetRec Last.fm)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="artist_play_counts")
    artist_name = models.CharField(max_length=512)
    artist = models.ForeignKey("catalog.Artist", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    plays = models.PositiveIntegerField()
    # sha256 of the normalised artist name, like Listen.fingerprint: one row per user and artist.
    fingerprint = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "fingerprint"], name="artist_play_count_once")]

    def __str__(self) -> str:
        return f"{self.user_id} played {self.artist_name} {self.plays} times"
