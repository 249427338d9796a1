"""Input and output shapes of the playback endpoints (contract §6)."""

from django.core.validators import RegexValidator
from rest_framework import serializers

from playback.services.providers import playback_uri_error
from playback.types import REPEAT_STATES

# Device ids end up in the provider's URL: letters, digits and a few separators only.
device_id_validator = RegexValidator(r"^[A-Za-z0-9._:\-]+$", "Enter a valid device id.")


def _optional_text(**kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=True, **kwargs)


def _blank_to_none(data: dict, *names: str) -> dict:
    for name in names:
        if name in data and not data[name]:
            data[name] = None
    return data


class _UriValidator:
    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, value: str) -> None:
        if value:
            message = playback_uri_error(kind=self.kind, uri=value)
            if message:
                raise serializers.ValidationError(message)


class PlaybackTargetInputSerializer(serializers.Serializer):
    provider = _optional_text(max_length=32, help_text="Provider slug (`spotify`); blank = first linked provider.")
    device_id = _optional_text(
        max_length=128, validators=[device_id_validator], help_text="Target device; blank = the active device."
    )

    def validate(self, attrs):
        return _blank_to_none(attrs, "provider", "device_id")


class PlaybackPlayInputSerializer(PlaybackTargetInputSerializer):
    track_uri = _optional_text(max_length=200, help_text="spotify:track:<id>. Wins over context_uri.")
    context_uri = _optional_text(max_length=200, help_text="spotify:album|artist|playlist:<id>.")
    position_ms = serializers.IntegerField(required=False, allow_null=True, min_value=0)

    def validate(self, attrs):
        attrs = _blank_to_none(super().validate(attrs), "track_uri", "context_uri")
        # track_uri wins over context_uri (contract §6), so an ignored context_uri is not checked.
        if attrs.get("track_uri"):
            attrs["context_uri"] = None
        errors = {}
        for field, kind in (("track_uri", "track"), ("context_uri", "context")):
            if attrs.get(field):
                message = playback_uri_error(kind=kind, uri=attrs[field])
                if message:
                    errors[field] = [message]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PlaybackSeekInputSerializer(PlaybackTargetInputSerializer):
    position_ms = serializers.IntegerField(min_value=0)


class PlaybackVolumeInputSerializer(PlaybackTargetInputSerializer):
    volume_percent = serializers.IntegerField(min_value=0, max_value=100)


class PlaybackShuffleInputSerializer(PlaybackTargetInputSerializer):
    state = serializers.BooleanField(help_text="true turns shuffle on.")


class PlaybackRepeatInputSerializer(PlaybackTargetInputSerializer):
    state = serializers.ChoiceField(choices=REPEAT_STATES)


class PlaybackTransferInputSerializer(PlaybackTargetInputSerializer):
    device_id = serializers.CharField(max_length=128, trim_whitespace=True, validators=[device_id_validator])
    play = serializers.BooleanField(default=False, help_text="true starts playing on the new device.")


class PlaybackQueueInputSerializer(PlaybackTargetInputSerializer):
    uri = serializers.CharField(max_length=200, trim_whitespace=True, validators=[_UriValidator("queue")])


class PlaybackStateQuerySerializer(serializers.Serializer):
    provider = _optional_text(max_length=32)


# Output -----------------------------------------------------------------------------------------


class PlaybackArtistOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    uri = serializers.CharField()
    name = serializers.CharField()


class PlaybackAlbumOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    uri = serializers.CharField()
    name = serializers.CharField()
    artwork_url = serializers.CharField(allow_null=True)


class PlaybackTrackOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    uri = serializers.CharField()
    name = serializers.CharField()
    duration_ms = serializers.IntegerField()
    album = PlaybackAlbumOutputSerializer(allow_null=True)
    artists = PlaybackArtistOutputSerializer(many=True)
    artwork_url = serializers.CharField(allow_null=True, help_text="First album image; also at album.artwork_url.")


class PlaybackDeviceOutputSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    type = serializers.CharField()
    volume_percent = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField()
    is_restricted = serializers.BooleanField()
    supports_volume = serializers.BooleanField()


class PlaybackStateOutputSerializer(serializers.Serializer):
    provider = serializers.CharField()
    is_playing = serializers.BooleanField()
    progress_ms = serializers.IntegerField()
    updated_at = serializers.DateTimeField()
    track = PlaybackTrackOutputSerializer(allow_null=True)
    device = PlaybackDeviceOutputSerializer(allow_null=True)
    shuffle_state = serializers.BooleanField(allow_null=True)
    repeat_state = serializers.CharField(allow_null=True)
    context_uri = serializers.CharField(allow_null=True)


class PlaybackDeviceListOutputSerializer(serializers.Serializer):
    provider = serializers.CharField()
    devices = PlaybackDeviceOutputSerializer(many=True)


class PlaybackErrorOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    reason = serializers.CharField(required=False, help_text="The provider's reason, e.g. NO_ACTIVE_DEVICE.")
