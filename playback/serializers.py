"""Input and output shapes of the playback endpoints (contract §6); command inputs derive from playback.commands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from playback.commands import COMMANDS, PROVIDER, Input, PlaybackCommand


def _drf_field(spec: Input) -> serializers.Field:
    """The DRF field that checks `spec`'s rule (and documents it in the OpenAPI schema)."""
    common: dict[str, Any] = {"help_text": spec.help} if spec.help else {}
    if spec.type is bool:
        if spec.default is not None:
            return serializers.BooleanField(default=spec.default, **common)
        return serializers.BooleanField(required=spec.required, **common)
    if spec.type is int:
        return serializers.IntegerField(
            required=spec.required,
            allow_null=not spec.required,
            min_value=spec.minimum,
            max_value=spec.maximum,
            **common,
        )
    if spec.choices:
        return serializers.ChoiceField(choices=spec.choices, required=spec.required, **common)
    validators = [RegexValidator(spec.pattern, spec.invalid)] if spec.pattern else []
    optional: dict[str, Any] = {} if spec.required else {"required": False, "allow_blank": True, "allow_null": True}
    return serializers.CharField(
        max_length=spec.max_length, trim_whitespace=True, validators=validators, **optional, **common
    )


class PlaybackProviderInputSerializer(serializers.Serializer):
    """The provider a request is for; read before anything else, to find the user's account."""

    provider = _drf_field(PROVIDER)

    def validate(self, attrs):
        return {name: value if value != "" else None for name, value in attrs.items()}


class PlaybackCommandInputSerializer(PlaybackProviderInputSerializer):
    """Base of the per-command input serializers: drops inputs the command ignores before checking the rest."""

    command: PlaybackCommand

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            ignored = {
                spec.name
                for spec in self.command.inputs
                if spec.ignored_when and str(data.get(spec.ignored_when) or "").strip()
            }
            data = {name: value for name, value in data.items() if name not in ignored}
        return super().to_internal_value(data)


def _class_name(command: PlaybackCommand, suffix: str) -> str:
    return f"Playback{command.name.title()}{suffix}"


def command_input_serializer(command: PlaybackCommand) -> type[PlaybackCommandInputSerializer]:
    """The input serializer of one command, from its row in the table."""
    fields = {spec.name: _drf_field(spec) for spec in command.inputs}
    return type(
        _class_name(command, "InputSerializer"), (PlaybackCommandInputSerializer,), {"command": command, **fields}
    )


def command_error_serializer(command: PlaybackCommand) -> type[serializers.Serializer]:
    """A 400 body of one command: `{detail, code[, reason]}`, or field errors `{<input>: [message]}`."""
    names = ["provider", *(spec.name for spec in command.inputs), "non_field_errors"]
    fields = {name: serializers.ListField(child=serializers.CharField(), required=False) for name in names}
    doc = (
        "`{detail, code[, reason]}` when the request cannot be served; `{<input>: [message]}` when inputs break rules."
    )
    return type(
        _class_name(command, "BadRequestSerializer"), (PlaybackErrorOutputSerializer,), {"__doc__": doc, **fields}
    )


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


# Errors, as they come back ------------------------------------------------------------------------


class PlaybackErrorOutputSerializer(serializers.Serializer):
    """A 400 that is not about one input (not linked, unsupported provider, Spotify's refusal)."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    reason = serializers.CharField(
        required=False, help_text="Spotify's reason, e.g. NO_ACTIVE_DEVICE, PREMIUM_REQUIRED."
    )


class PlaybackReadBadRequestSerializer(PlaybackErrorOutputSerializer):
    """`{detail, code}` when the read cannot be served; `{"provider": [message]}` for a malformed provider."""

    provider = serializers.ListField(child=serializers.CharField(), required=False)


class PlaybackUpstreamErrorOutputSerializer(serializers.Serializer):
    """Spotify failed (502) or cannot be reached (503, with Retry-After when Spotify gave one)."""

    detail = serializers.CharField()
    code = serializers.CharField()


class PlaybackDetailOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()


COMMAND_INPUT_SERIALIZERS = {command.name: command_input_serializer(command) for command in COMMANDS}
COMMAND_ERROR_SERIALIZERS = {command.name: command_error_serializer(command) for command in COMMANDS}
