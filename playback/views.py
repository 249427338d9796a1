"""Playback endpoints (contract §6): the state and device reads, and one view per row of playback.commands.COMMANDS.

Every view first finds the user's linked account (so "link an account" wins over any input
error), then checks the input, then calls one service.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView
from social_django.models import UserSocialAuth

from integrations.spotify.player_state import PlaybackState
from playback import serializers as io
from playback.commands import COMMANDS, PlaybackCommand
from playback.services import player as services

_NOT_LINKED = (
    "No streaming account linked, provider not supported or not linked, or Spotify authentication expired "
    "or missing a refresh token."
)
_REFUSED = "No device to play on, or Spotify refused the command (its message and reason)."
_ERRORS = {
    401: OpenApiResponse(
        io.PlaybackDetailOutputSerializer, description="Authentication credentials were not provided."
    ),
    502: OpenApiResponse(io.PlaybackUpstreamErrorOutputSerializer, description="Spotify answered with an error."),
    503: OpenApiResponse(io.PlaybackUpstreamErrorOutputSerializer, description="Spotify cannot be reached."),
}
_NO_PLAYBACK = OpenApiResponse(description="Nothing is playing: no body.")
_PROVIDER_QUERY = OpenApiParameter("provider", str, description="Provider slug; blank = first linked provider.")


def _account(request, data) -> UserSocialAuth:
    provider = io.PlaybackProviderInputSerializer(data=data)
    provider.is_valid(raise_exception=True)
    return services.playback_account_get(user=request.user, provider=provider.validated_data.get("provider"))


# Built once: a new serializer per answer deep-copies all its nested fields, a sixth of a state read's CPU in a
# profile (bench/RESULTS.md). to_representation keeps no state, so threads share it.
_STATE_OUTPUT = io.PlaybackStateOutputSerializer()


def _state_response(state: PlaybackState | None, success_status: int) -> Response:
    if state is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(_STATE_OUTPUT.to_representation(state), status=success_status)


def _read_errors() -> dict:
    return {400: OpenApiResponse(io.PlaybackReadBadRequestSerializer, description=_NOT_LINKED), **_ERRORS}


class PlaybackStateView(APIView):
    @extend_schema(
        tags=["playback"],
        summary="The current playback state",
        parameters=[_PROVIDER_QUERY],
        responses={200: io.PlaybackStateOutputSerializer, 204: _NO_PLAYBACK, **_read_errors()},
    )
    def get(self, request):
        account = _account(request, request.query_params)
        return _state_response(services.playback_state_get(account=account), status.HTTP_200_OK)


class PlaybackDeviceListView(APIView):
    @extend_schema(
        tags=["playback"],
        summary="The user's devices",
        parameters=[_PROVIDER_QUERY],
        responses={200: io.PlaybackDeviceListOutputSerializer, **_read_errors()},
    )
    def get(self, request):
        account = _account(request, request.query_params)
        devices = services.playback_device_list(account=account)
        return Response(io.PlaybackDeviceListOutputSerializer({"provider": account.provider, "devices": devices}).data)


class PlaybackCommandView(APIView):
    """Find the account, check the command's input, send the command, answer with the new state."""

    command: PlaybackCommand

    def post(self, request):
        account = _account(request, request.data)
        serializer = io.COMMAND_INPUT_SERIALIZERS[self.command.name](data=request.data)
        serializer.is_valid(raise_exception=True)
        arguments = {name: value for name, value in serializer.validated_data.items() if name != "provider"}
        state = services.playback_command_run(account=account, command=self.command, arguments=arguments)
        return _state_response(state, self.command.answer)


def _command_view(command: PlaybackCommand) -> type[PlaybackCommandView]:
    bad_request = OpenApiResponse(
        io.COMMAND_ERROR_SERIALIZERS[command.name],
        description=f"An input breaks its rule (field errors), or: {_NOT_LINKED} {_REFUSED}",
    )
    schema = extend_schema(
        tags=["playback"],
        summary=command.summary,
        request=io.COMMAND_INPUT_SERIALIZERS[command.name],
        responses={command.answer: io.PlaybackStateOutputSerializer, 204: _NO_PLAYBACK, 400: bad_request, **_ERRORS},
    )

    def post(self, request):
        return PlaybackCommandView.post(self, request)

    name = f"Playback{command.name.title()}View"
    return type(name, (PlaybackCommandView,), {"command": command, "post": schema(post), "__doc__": command.summary})


COMMAND_VIEWS = {command.name: _command_view(command) for command in COMMANDS}
