"""Input and output shapes of the listening API (/api/v1/listens/, /api/v1/likes/)."""

from typing import get_args

from rest_framework import serializers

from listening.models import LikeSource
from listening.selectors import STATS_RANGES
from listening.services.likes import LikeKind


class ListenTrackOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    spotify_id = serializers.CharField()
    name = serializers.CharField()


class ListenOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listened_at = serializers.DateTimeField()
    artist_name = serializers.CharField()
    track_name = serializers.CharField()
    release_name = serializers.CharField()
    track = ListenTrackOutputSerializer(allow_null=True, help_text="The catalog track, once the listen is matched.")
    spotify_id = serializers.CharField()
    isrc = serializers.CharField()
    recording_mbid = serializers.UUIDField(allow_null=True)
    duration_ms = serializers.IntegerField(allow_null=True)
    # DRF moves declared fields off the class; only the stubs see a clash with Field.source.
    source = serializers.CharField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()


class ListenPageOutputSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null at the oldest listen.")
    results = ListenOutputSerializer(many=True)


class ListenListInputSerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="Opaque; from the previous page's `next`.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=20)


class ListenSubmitInputSerializer(serializers.Serializer):
    """The ListenBrainz submit-listens body (documented here; parsed with ListenBrainz's own rules)."""

    listen_type = serializers.ChoiceField(choices=["single", "playing_now", "import"])
    payload = serializers.ListField(child=serializers.DictField(), max_length=1000)


class ListenSubmitOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    received = serializers.IntegerField()
    created = serializers.IntegerField(help_text="New listens; the rest were already stored.")
    matched = serializers.IntegerField(help_text="Listens matched to a catalog track.")


class ListensDeletedOutputSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class LikeListInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=get_args(LikeKind), required=False, allow_blank=True, help_text="Only likes of this type (blank: all)."
    )


class StatsInputSerializer(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(STATS_RANGES), default="month")


class _CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class TopArtistSerializer(_CountSerializer):
    artist_name = serializers.CharField()


class TopTrackSerializer(_CountSerializer):
    artist_name = serializers.CharField()
    track_name = serializers.CharField()
    track_id = serializers.IntegerField(allow_null=True)


class TopAlbumSerializer(_CountSerializer):
    artist_name = serializers.CharField()
    album_name = serializers.CharField()


class TopGenreSerializer(_CountSerializer):
    genre = serializers.CharField()


class DayCountSerializer(_CountSerializer):
    day = serializers.DateField()


class StatsOutputSerializer(serializers.Serializer):
    range = serializers.CharField()
    listen_count = serializers.IntegerField()
    total_listening_ms = serializers.IntegerField()
    top_artists = TopArtistSerializer(many=True)
    top_tracks = TopTrackSerializer(many=True)
    top_albums = TopAlbumSerializer(many=True)
    top_genres = TopGenreSerializer(many=True)
    listens_per_day = DayCountSerializer(many=True)


class LikeOutputSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    spotify_id = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    liked_at = serializers.DateTimeField(source="created_at")
    source = serializers.ChoiceField(  # type: ignore[assignment] # the stubs' clash with Field.source, as above
        choices=LikeSource.choices,
        read_only=True,
        help_text="juke: liked in Juke; spotify_saved / spotify_top: imported from Spotify when the account was linked.",
    )

    def _item(self, like):
        return like.track or like.album or like.artist

    def get_type(self, like) -> str:
        return "track" if like.track_id else "album" if like.album_id else "artist"

    def get_spotify_id(self, like) -> str:
        return self._item(like).spotify_id

    def get_name(self, like) -> str:
        return self._item(like).name


class ListensVisibilitySerializer(serializers.Serializer):
    listens_public = serializers.BooleanField(help_text="Whether other users may read your listens.")
