"""Playback endpoints (contract §6): one small view per operation, each calling one service."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from playback import serializers as io
from playback.services import commands as services
from playback.types import PlaybackState

_ERRORS = {
    400: OpenApiResponse(
        io.PlaybackErrorOutputSerializer,
        description="Invalid input (field errors), no linked account, unsupported provider, "
        "authentication expired, or the provider refused the command (its message and reason passed on).",
    ),
    401: OpenApiResponse(description="Authentication credentials were not provided."),
    502: OpenApiResponse(io.PlaybackErrorOutputSerializer, description="The provider answered with an error."),
    503: OpenApiResponse(io.PlaybackErrorOutputSerializer, description="The provider cannot be reached."),
}
_NO_PLAYBACK = OpenApiResponse(description="Nothing is playing: no body.")


def _state_response(state: PlaybackState | None, success_status: int) -> Response:
    if state is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(io.PlaybackStateOutputSerializer(state).data, status=success_status)


def _command_schema(*, summary: str, request, success_status: int = 200):
    return extend_schema(
        tags=["playback"],
        summary=summary,
        request=request,
        responses={success_status: io.PlaybackStateOutputSerializer, 204: _NO_PLAYBACK, **_ERRORS},
    )


class _PlaybackCommandView(APIView):
    """Validate the body, run one playback service for request.user, answer with the new state."""

    input_serializer_class = io.PlaybackTargetInputSerializer
    success_status = status.HTTP_200_OK

    def run(self, *, user, data: dict) -> PlaybackState | None:
        raise NotImplementedError

    def post(self, request):
        serializer = self.input_serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        state = self.run(user=request.user, data=dict(serializer.validated_data))
        return _state_response(state, self.success_status)


class PlaybackStateView(APIView):
    @extend_schema(
        tags=["playback"],
        summary="The current playback state",
        parameters=[OpenApiParameter("provider", str, description="Provider slug; blank = first linked provider.")],
        responses={200: io.PlaybackStateOutputSerializer, 204: _NO_PLAYBACK, **_ERRORS},
    )
    def get(self, request):
        query = io.PlaybackStateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        state = services.playback_state_get(user=request.user, provider=query.validated_data.get("provider"))
        return _state_response(state, status.HTTP_200_OK)


class PlaybackDeviceListView(APIView):
    @extend_schema(
        tags=["playback"],
        summary="The user's devices",
        parameters=[OpenApiParameter("provider", str, description="Provider slug; blank = first linked provider.")],
        responses={200: io.PlaybackDeviceListOutputSerializer, **_ERRORS},
    )
    def get(self, request):
        query = io.PlaybackStateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        provider, devices = services.playback_device_list(
            user=request.user, provider=query.validated_data.get("provider")
        )
        return Response(io.PlaybackDeviceListOutputSerializer({"provider": provider, "devices": devices}).data)


class PlaybackPlayView(_PlaybackCommandView):
    input_serializer_class = io.PlaybackPlayInputSerializer
    success_status = status.HTTP_202_ACCEPTED

    def run(self, *, user, data):
        return services.playback_start(user=user, **data)

    @_command_schema(
        summary="Play a track or context, or resume", request=io.PlaybackPlayInputSerializer, success_status=202
    )
    def post(self, request):
        return super().post(request)


class PlaybackPauseView(_PlaybackCommandView):
    def run(self, *, user, data):
        return services.playback_pause(user=user, **data)

    @_command_schema(summary="Pause", request=io.PlaybackTargetInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackNextView(_PlaybackCommandView):
    def run(self, *, user, data):
        return services.playback_next(user=user, **data)

    @_command_schema(summary="Skip to the next track", request=io.PlaybackTargetInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackPreviousView(_PlaybackCommandView):
    def run(self, *, user, data):
        return services.playback_previous(user=user, **data)

    @_command_schema(summary="Skip to the previous track", request=io.PlaybackTargetInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackSeekView(_PlaybackCommandView):
    input_serializer_class = io.PlaybackSeekInputSerializer

    def run(self, *, user, data):
        return services.playback_seek(user=user, **data)

    @_command_schema(summary="Seek within the playing track", request=io.PlaybackSeekInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackVolumeView(_PlaybackCommandView):
    input_serializer_class = io.PlaybackVolumeInputSerializer

    def run(self, *, user, data):
        return services.playback_volume_set(user=user, **data)

    @_command_schema(summary="Set the device volume", request=io.PlaybackVolumeInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackShuffleView(_PlaybackCommandView):
    input_serializer_class = io.PlaybackShuffleInputSerializer

    def run(self, *, user, data):
        return services.playback_shuffle_set(user=user, **data)

    @_command_schema(summary="Turn shuffle on or off", request=io.PlaybackShuffleInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackRepeatView(_PlaybackCommandView):
    input_serializer_class = io.PlaybackRepeatInputSerializer

    def run(self, *, user, data):
        return services.playback_repeat_set(user=user, **data)

    @_command_schema(summary="Set repeat (track, context, off)", request=io.PlaybackRepeatInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackTransferView(_PlaybackCommandView):
    input_serializer_class = io.PlaybackTransferInputSerializer

    def run(self, *, user, data):
        return services.playback_transfer(user=user, **data)

    @_command_schema(summary="Move playback to another device", request=io.PlaybackTransferInputSerializer)
    def post(self, request):
        return super().post(request)


class PlaybackQueueAddView(_PlaybackCommandView):
    input_serializer_class = io.PlaybackQueueInputSerializer

    def run(self, *, user, data):
        return services.playback_queue_add(user=user, **data)

    @_command_schema(summary="Add a track to the queue", request=io.PlaybackQueueInputSerializer)
    def post(self, request):
        return super().post(request)
