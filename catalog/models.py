"""The music catalog: genres, artists, albums and tracks, keyed by their Spotify ids.

`spotify_data` holds the Spotify fields the clients read, in the contract's compact shape
(`type`, `uri`, `images` as URL strings, `followers`/`popularity` as ints, ...); `custom_data` is free.
Artists imported from a CSV export have no Spotify id: they get a synthetic one, see
`catalog.services.csv_rows.synthetic_artist_id`.
"""

from django.db import models


class CatalogItem(models.Model):
    spotify_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=500)
    spotify_data = models.JSONField(default=dict, blank=True)
    custom_data = models.JSONField(default=dict, blank=True)
    images = models.JSONField(default=list, blank=True, help_text="Image URLs, largest first.")
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def uri(self) -> str:
        """Juke's URI of the item, `juke:<type>:<spotify_id>`: what recommendation seeds accept."""
        return f"juke:{self._meta.model_name}:{self.spotify_id}"

    @property
    def spotify_uri(self) -> str:
        return self.spotify_data.get("uri") or f"spotify:{self._meta.model_name}:{self.spotify_id}"


class Genre(CatalogItem):
    class Meta:
        ordering = ["name", "id"]


class Artist(CatalogItem):
    genres = models.ManyToManyField(Genre, related_name="artists", blank=True)
    popularity = models.PositiveSmallIntegerField(null=True, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"])]


class Album(CatalogItem):
    class AlbumType(models.TextChoices):
        ALBUM = "ALBUM", "Album"
        SINGLE = "SINGLE", "Single"
        COMPILATION = "COMPILATION", "Compilation"

    class DatePrecision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    artists = models.ManyToManyField(Artist, related_name="albums", blank=True)
    album_type = models.CharField(max_length=16, choices=AlbumType.choices, default=AlbumType.ALBUM)
    total_tracks = models.PositiveIntegerField(default=0)
    release_date = models.DateField(null=True, blank=True)
    release_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"])]


class Track(CatalogItem):
    album = models.ForeignKey(Album, related_name="tracks", on_delete=models.CASCADE, null=True, blank=True)
    artists = models.ManyToManyField(Artist, related_name="tracks", blank=True)
    track_number = models.PositiveIntegerField(default=1)
    disc_number = models.PositiveIntegerField(default=1)
    duration_ms = models.PositiveIntegerField(default=0)
    explicit = models.BooleanField(default=False)
    popularity = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"])]


class TrackAudioFeatures(models.Model):
    """Spotify's twelve audio features of one track."""

    # Every export carries these eleven; time_signature is missing from some (e.g. spotify_songs.csv).
    REQUIRED_FEATURES = (
        "danceability",
        "energy",
        "key",
        "loudness",
        "mode",
        "speechiness",
        "acousticness",
        "instrumentalness",
        "liveness",
        "valence",
        "tempo",
    )
    FEATURES = (*REQUIRED_FEATURES, "time_signature")

    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="audio_features")
    danceability = models.FloatField()
    energy = models.FloatField()
    key = models.SmallIntegerField(help_text="Pitch class 0-11; -1 when unknown.")
    loudness = models.FloatField()
    mode = models.SmallIntegerField()
    speechiness = models.FloatField()
    acousticness = models.FloatField()
    instrumentalness = models.FloatField()
    liveness = models.FloatField()
    valence = models.FloatField()
    tempo = models.FloatField()
    time_signature = models.SmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "track audio features"

    def __str__(self) -> str:
        return f"Audio features of track {self.track_id}"
