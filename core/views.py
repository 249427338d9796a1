from django.http import JsonResponse
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.health import health_report
from core.openapi import error_response
from core.task_status import task_status_get

API_ROOT_ENTRIES = {
    "users": "user-list",
    "music-profiles": "musicprofile-list",
    "genres": "genre-list",
    "artists": "artist-list",
    "albums": "album-list",
    "tracks": "track-list",
    "playback": "playback-state",
    "recommendations": "recommendations",
}

HEALTH_SERIALIZER = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "error"]),
        "failing": serializers.ListField(child=serializers.CharField()),
        "components": serializers.DictField(child=serializers.DictField()),
    },
)


class HealthView(APIView):
    """Per-component health: `ok` or `degraded` (200) while the database answers, `error` (503) otherwise."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: HEALTH_SERIALIZER, 503: HEALTH_SERIALIZER})
    def get(self, request):
        status, report = health_report()
        return Response(report, status=status)


class ApiRootView(APIView):
    """Links to the API's resources."""

    permission_classes = [AllowAny]

    @extend_schema(responses=inline_serializer("ApiRoot", {"users": serializers.URLField()}))
    def get(self, request):
        links = {}
        for label, url_name in API_ROOT_ENTRIES.items():
            try:
                links[label] = request.build_absolute_uri(reverse(url_name))
            except NoReverseMatch:
                continue
        return Response(links)


class TaskStatusSerializer(serializers.Serializer):
    id = serializers.CharField()
    state = serializers.CharField(help_text="PENDING (queued or unknown), STARTED, PROGRESS, RETRY, SUCCESS, FAILURE.")
    progress = serializers.DictField(allow_null=True, help_text="While PROGRESS: {done, total, unit}.")
    result = serializers.JSONField(allow_null=True, help_text="When SUCCESS: what the job returned.")
    error = serializers.CharField(allow_null=True, help_text="When it failed: the error.")


class TaskStatusView(APIView):
    """Admin only: what became of a background job started from the API, the admin or a command."""

    permission_classes = [IsAuthenticated, IsAdminUser]

    @extend_schema(
        responses={
            200: TaskStatusSerializer,
            401: error_response("Not signed in."),
            403: error_response("Signed in, but not an administrator."),
        }
    )
    def get(self, request, task_id):
        return Response(TaskStatusSerializer(task_status_get(task_id=str(task_id))).data)


def not_found(request, exception=None):
    """Django's 404 for a URL no route matches: JSON like every other answer, never an HTML page."""
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def bad_request(request, exception=None):
    """Django's 400 (e.g. a Host header not in ALLOWED_HOSTS, a broken multipart body): JSON, never HTML."""
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)
