"""The offline stand-in for Spotify's authorize page (stub mode only; never in production)."""

import re
from html import escape
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.openapi import error_response

STUB_AUTHORIZE_PAGE = """<!doctype html>
<html><head><title>Stub Spotify sign-in</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 4em auto">
<h1>Stub Spotify</h1>
<p>Juke runs with stub Spotify data (no Spotify credentials configured), so this page stands in for
Spotify's authorize page. Each listener name is its own stub Spotify account.</p>
<form method="get">
<input type="hidden" name="redirect_uri" value="{redirect_uri}">
<input type="hidden" name="state" value="{state}">
<label>Listener name <input name="listener" value="listener" pattern="[A-Za-z0-9_.-]{{1,40}}" required></label>
<button type="submit">Authorize Juke</button>
</form></body></html>"""
STUB_LISTENER_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class StubSpotifyAuthorizeView(APIView):
    """Offline stand-in for Spotify's authorize page; exists only while SPOTIFY_USE_STUB_DATA is on."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("redirect_uri", str, required=True),
            OpenApiParameter("state", str, required=True),
            OpenApiParameter("listener", str, description="Stub Spotify account name; omit to get the form"),
        ],
        responses={
            302: OpenApiResponse(description="Back to the callback with a stub code"),
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="A form asking for the listener name"),
            400: error_response("A redirect_uri other than this backend's callback, no state, or a bad listener."),
            404: error_response("Stub Spotify is off."),
        },
    )
    def get(self, request):
        if not settings.SPOTIFY_USE_STUB_DATA or settings.JUKE_RUNTIME_ENV == "production":
            raise Http404("Stub Spotify is off")
        redirect_uri = request.query_params.get("redirect_uri", "")
        state = request.query_params.get("state", "")
        if redirect_uri != f"{settings.BACKEND_URL}{settings.SPOTIFY_REDIRECT_PATH}":
            return Response({"detail": "redirect_uri must be this backend's Spotify callback."}, status=400)
        if not state:
            return Response({"detail": "state is required."}, status=400)
        listener = request.query_params.get("listener")
        if listener is None:
            page = STUB_AUTHORIZE_PAGE.format(redirect_uri=escape(redirect_uri), state=escape(state))
            return HttpResponse(page, content_type="text/html; charset=utf-8")
        if not STUB_LISTENER_PATTERN.match(listener):
            return Response({"detail": "listener: 1-40 letters, digits, '.', '_' or '-'."}, status=400)
        return HttpResponseRedirect(f"{redirect_uri}?{urlencode({'code': f'stub-code-{listener}', 'state': state})}")
