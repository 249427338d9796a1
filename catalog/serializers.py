"""Catalog representations (API_CONTRACT.md 5 and 9.6): every item carries `id` and `pk`, its Juke `uri`,
its relations as absolute URLs, and tracks carry `album_link`, `album_name` and `artist_names`."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Album, Artist, Genre, Track
from catalog.selectors import tracks_album_artists_load

_LIST_PATHS: dict[str, str] = {}


def item_url(request, basename: str, pk: int) -> str:
    """Absolute detail URL, e.g. http://host/api/v1/artists/1/ (the list path is reversed once)."""
    path = _LIST_PATHS.get(basename)
    if path is None:
        path = _LIST_PATHS[basename] = reverse(f"{basename}-list")
    relative = f"{path}{pk}/"
    return request.build_absolute_uri(relative) if request is not None else relative


class CatalogItemSerializer(serializers.ModelSerializer):
    basename = ""
    pk = serializers.IntegerField(source="id", read_only=True)
    url = serializers.SerializerMethodField()
    uri = serializers.CharField(
        read_only=True,
        help_text="Juke URI, `juke:<type>:<spotify_id>`: use it as a recommendation seed. "
        "Spotify's own URI stays in `spotify_data.uri`.",
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        return item_url(self.context.get("request"), self.basename, obj.pk)

    def _links(self, basename: str, items) -> list[str]:
        request = self.context.get("request")
        return [item_url(request, basename, item.pk) for item in items]

    class Meta:
        fields = [
            "id", "pk", "url", "uri", "spotify_id", "name", "created_at", "modified_at",
            "spotify_data", "custom_data", "images",
        ]  # fmt: skip
        read_only_fields = fields


class GenreSerializer(CatalogItemSerializer):
    basename = "genre"

    class Meta(CatalogItemSerializer.Meta):
        model = Genre


class ArtistSerializer(CatalogItemSerializer):
    basename = "artist"
    genres = serializers.SerializerMethodField(help_text="Genre URLs.")
    genre_names = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_genres(self, obj) -> list[str]:
        return self._links("genre", obj.genres.all())

    def get_genre_names(self, obj) -> list[str]:
        return [genre.name for genre in obj.genres.all()]

    class Meta(CatalogItemSerializer.Meta):
        model = Artist
        fields = [*CatalogItemSerializer.Meta.fields, "popularity", "followers", "genres", "genre_names"]
        read_only_fields = fields


class AlbumSerializer(CatalogItemSerializer):
    basename = "album"
    artists = serializers.SerializerMethodField(help_text="Artist URLs.")
    artist_names = serializers.SerializerMethodField(help_text="The album's artists, comma-joined.")

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_artists(self, obj) -> list[str]:
        return self._links("artist", obj.artists.all())

    def get_artist_names(self, obj) -> str:
        return ", ".join(artist.name for artist in obj.artists.all())

    class Meta(CatalogItemSerializer.Meta):
        model = Album
        fields = [
            *CatalogItemSerializer.Meta.fields,
            "album_type", "total_tracks", "release_date", "release_date_precision", "artists", "artist_names",
        ]  # fmt: skip
        read_only_fields = fields


class TrackListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        tracks = list(data.all() if hasattr(data, "all") else data)
        tracks_album_artists_load(tracks=tracks)
        return super().to_representation(tracks)


class TrackSerializer(CatalogItemSerializer):
    basename = "track"
    album = serializers.SerializerMethodField(help_text="Album URL.")
    album_link = serializers.SerializerMethodField(help_text="Album URL (same as `album`).")
    album_name = serializers.SerializerMethodField()
    artists = serializers.SerializerMethodField(help_text="Artist URLs.")
    artist_names = serializers.SerializerMethodField(help_text="The track's artists (else the album's), comma-joined.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_album(self, obj) -> str | None:
        return item_url(self.context.get("request"), "album", obj.album_id) if obj.album_id else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_album_link(self, obj) -> str | None:
        return self.get_album(obj)

    def get_album_name(self, obj) -> str:
        return obj.album.name if obj.album_id else ""

    @extend_schema_field(serializers.ListField(child=serializers.URLField()))
    def get_artists(self, obj) -> list[str]:
        return self._links("artist", obj.artists.all())

    def get_artist_names(self, obj) -> str:
        artists = list(obj.artists.all()) or (list(obj.album.artists.all()) if obj.album_id else [])
        return ", ".join(artist.name for artist in artists)

    class Meta(CatalogItemSerializer.Meta):
        model = Track
        list_serializer_class = TrackListSerializer
        fields = [
            *CatalogItemSerializer.Meta.fields,
            "track_number", "disc_number", "duration_ms", "explicit", "popularity",
            "album", "album_link", "album_name", "artists", "artist_names",
        ]  # fmt: skip
        read_only_fields = fields


class ExternalSearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=1000, default=0)


class FeaturedArtistSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Spotify artist id.")
    name = serializers.CharField()
    image_url = serializers.CharField(help_text="Image URL, or an empty string.")


class FeaturedGenreSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    spotify_id = serializers.CharField(help_text="The Spotify genre seed, e.g. `r&b`.")
    top_artists = FeaturedArtistSerializer(many=True)


class TaskQueuedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
