"""Spotify sign-in: with an access token (mobile), the browser OAuth flow, and unlinking the account."""

import logging

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from social_core.actions import do_auth, do_disconnect
from social_core.exceptions import AuthPolicyError, SocialAuthBaseException
from social_django import views as social_views
from social_django.utils import load_backend, load_strategy

from core.openapi import error_response
from juke_auth.authentication import JukeTokenAuthentication
from juke_auth.errors import SpotifySignInFailed, SpotifyUnavailable
from juke_auth.serializers import DetailSerializer, SocialLoginInputSerializer, SocialLoginOutputSerializer
from juke_auth.services.social import (
    RESTORED_SIGN_IN_SESSION_KEY,
    SPOTIFY,
    spotify_error_classify,
    spotify_oauth_state_restore,
    spotify_stub_sign_in_refused,
    spotify_token_sign_in,
)
from juke_auth.services.tokens import user_sign_in
from juke_auth.throttles import client_address
from juke_auth.views.base import DETAIL_400, AuthAPIView, PublicAuthView, detail

logger = logging.getLogger(__name__)

SPOTIFY_UNAVAILABLE = SpotifyUnavailable.default_detail
SPOTIFY_AUTH_FAILED = SpotifySignInFailed.default_detail


class SocialLoginView(PublicAuthView):
    """Mobile sign-in with a Spotify access token; failures (also unexpected ones) answer JSON 400/503."""

    # A token is optional: with one, the Spotify account is linked to that (signed-in) user.
    authentication_classes = [JukeTokenAuthentication]
    throttle_scope = "auth-social-login"

    @extend_schema(
        request=SocialLoginInputSerializer,
        responses={200: SocialLoginOutputSerializer, 400: DETAIL_400, 503: DetailSerializer},
        summary="Sign in with a Spotify access token (mobile); links or creates the Juke account",
        description="With `Authorization: Token <key>`, the Spotify account is linked to that signed-in user.",
    )
    def post(self, request):
        if not isinstance(request.data, dict) or "access_token" not in request.data:
            return detail("'access_token' is required.", status.HTTP_400_BAD_REQUEST)
        serializer = SocialLoginInputSerializer(data=request.data)
        if not serializer.is_valid():
            return detail("'access_token' must be a non-empty string.", status.HTTP_400_BAD_REQUEST)
        user = spotify_token_sign_in(
            request=request._request,
            access_token=serializer.validated_data["access_token"],
            refresh_token=serializer.validated_data.get("refresh_token", ""),
            signed_in_user=request.user if request.user.is_authenticated else None,
        )
        token = user_sign_in(request=request._request, user=user, backend="juke_auth.backends.JukeSpotifyOAuth2")
        context = {"request": request, "token": token}
        return Response(SocialLoginOutputSerializer(user, context=context).data)


def _spotify_backend_or_404(backend: str) -> str:
    if backend != SPOTIFY:
        raise Http404("Backend not found")
    return backend


def _spotify_failure(request, failure: type[Exception]):
    unavailable = failure is SpotifyUnavailable
    code = "spotify_unavailable" if unavailable else "spotify_auth_failed"
    if "application/json" in request.headers.get("Accept", ""):
        message = SPOTIFY_UNAVAILABLE if unavailable else SPOTIFY_AUTH_FAILED
        http_status = status.HTTP_503_SERVICE_UNAVAILABLE if unavailable else status.HTTP_400_BAD_REQUEST
        return Response({"detail": message, "error": code}, status=http_status)
    return HttpResponseRedirect(f"{settings.FRONTEND_URL}/login?error={code}")


SPOTIFY_FAILURE_RESPONSES = {
    302: OpenApiResponse(description="Redirect to FRONTEND_URL (success) or FRONTEND_URL/login?error=<code>"),
    400: inline_serializer("SpotifyAuthFailed", {"detail": serializers.CharField(), "error": serializers.CharField()}),
    503: inline_serializer(
        "SpotifyAuthUnavailable", {"detail": serializers.CharField(), "error": serializers.CharField()}
    ),
    404: error_response('No such sign-in backend: "spotify" is the only one.'),
}


@method_decorator(never_cache, name="dispatch")
class SpotifyLoginStartView(APIView):
    """Start "Sign in with Spotify": redirect to Spotify's authorize page (a signed-in user links the account)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            **SPOTIFY_FAILURE_RESPONSES,
            302: OpenApiResponse(description="Redirect to accounts.spotify.com/authorize"),
        }
    )
    def get(self, request, backend):
        _spotify_backend_or_404(backend)
        if spotify_stub_sign_in_refused():
            return _spotify_failure(request, SpotifyUnavailable)
        django_request = request._request
        strategy = load_strategy(django_request)
        redirect_uri = reverse(f"{settings.SOCIAL_AUTH_URL_NAMESPACE}:complete", args=(backend,))
        social_backend = load_backend(strategy, backend, redirect_uri=redirect_uri)
        try:
            return do_auth(social_backend, redirect_name=REDIRECT_FIELD_NAME, user=django_request.user)
        except SocialAuthBaseException as error:
            logger.warning("Spotify sign-in could not start: %r", error)
            return _spotify_failure(request, spotify_error_classify(error=error))


@method_decorator(never_cache, name="dispatch")
class SpotifyLoginCompleteView(APIView):
    """Spotify's redirect target: finish the sign-in, then redirect to the web app."""

    # Session only: social-auth reads the signed-in user from the Django request (linking / relinking).
    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("code", str, description="Authorization code from Spotify"),
            OpenApiParameter("state", str, description="OAuth state"),
            OpenApiParameter("error", str, description="Set by Spotify when the user refused"),
        ],
        responses=SPOTIFY_FAILURE_RESPONSES,
    )
    def get(self, request, backend):
        _spotify_backend_or_404(backend)
        if spotify_stub_sign_in_refused():
            return _spotify_failure(request, SpotifyUnavailable)
        django_request = request._request
        spotify_oauth_state_restore(
            request=django_request,
            backend_name=backend,
            state=django_request.GET.get("state", ""),
            client=client_address(django_request),
        )
        try:
            response = social_views.complete(django_request, backend)
        except SocialAuthBaseException as error:
            logger.warning("Spotify sign-in failed: %r", error)
            _restored_sign_in_end(django_request, failed=True)
            return _spotify_failure(request, spotify_error_classify(error=error))
        except Exception:  # a failure social-core does not classify: the user lands on the login page
            logger.exception("Spotify sign-in failed unexpectedly")
            _restored_sign_in_end(django_request, failed=True)
            return _spotify_failure(request, SpotifySignInFailed)
        location = response.get("Location", "") if isinstance(response, HttpResponseRedirect) else ""
        failed = location.startswith(settings.SOCIAL_AUTH_LOGIN_ERROR_URL)
        _restored_sign_in_end(django_request, failed=failed)
        if failed:
            return _spotify_failure(request, SpotifySignInFailed)
        return response


def _restored_sign_in_end(django_request, *, failed: bool) -> None:
    """A sign-in restored from the state cache lasts only as long as the flow: a failed flow signs it out."""
    if django_request.session.pop(RESTORED_SIGN_IN_SESSION_KEY, None) and failed:
        logout(django_request)


@method_decorator(never_cache, name="dispatch")
class SpotifyDisconnectView(AuthAPIView):
    """Unlink the caller's Spotify account(s) (session + CSRF, or token)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="Unlinked (token-authenticated or JSON clients)"),
            302: OpenApiResponse(description="Unlinked; redirect to FRONTEND_URL (browsers)"),
            400: DetailSerializer,
        },
    )
    def post(self, request, backend, association_id=None):
        _spotify_backend_or_404(backend)
        django_request = request._request
        django_request.user = request.user
        strategy = load_strategy(django_request)
        social_backend = load_backend(strategy, backend, redirect_uri=None)
        try:
            redirect = do_disconnect(social_backend, request.user, association_id, redirect_name=REDIRECT_FIELD_NAME)
        except AuthPolicyError:
            return detail(
                "Spotify is the only way to sign in to this account: set a password before disconnecting it.",
                status.HTTP_400_BAD_REQUEST,
            )
        api_client = isinstance(request.successful_authenticator, JukeTokenAuthentication)
        if api_client or "application/json" in request.headers.get("Accept", ""):
            return Response(status=status.HTTP_204_NO_CONTENT)
        return redirect


class SpotifyDisconnectOneView(SpotifyDisconnectView):
    """Unlink one of the caller's Spotify links, by its id."""

    @extend_schema(
        operation_id="social_auth_disconnect_one",
        request=None,
        responses={
            204: OpenApiResponse(description="Unlinked (token-authenticated or JSON clients)"),
            302: OpenApiResponse(description="Unlinked; redirect to FRONTEND_URL (browsers)"),
            400: DetailSerializer,
        },
    )
    def post(self, request, backend, association_id=None):
        return super().post(request, backend, association_id)


# --- Users --------------------------------------------------------------------------------------------
