"""Accounts, users and music-profile endpoints: thin views that validate, call a service and serialize."""

import logging
import re
from html import escape
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, logout
from django.db import IntegrityError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, get_authorization_header
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_registration.api.views.change_password import ChangePasswordView
from rest_registration.api.views.login import LoginView as RegistrationLoginView
from rest_registration.api.views.reset_password import ResetPasswordView, SendResetPasswordLinkView
from social_core.actions import do_auth, do_disconnect
from social_core.exceptions import AuthPolicyError, SocialAuthBaseException
from social_django import views as social_views
from social_django.utils import load_backend, load_strategy

from core.pagination import JukePagination
from core.parsers import JukeJSONParser
from juke_auth import selectors
from juke_auth.authentication import JukeTokenAuthentication
from juke_auth.serializers import (
    DetailSerializer,
    LoginInputSerializer,
    MusicProfileSearchOutputSerializer,
    MusicProfileSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    ResendRegistrationInputSerializer,
    SocialLoginInputSerializer,
    SocialLoginOutputSerializer,
    TokenOutputSerializer,
    UserOwnSerializer,
    UserPublicSerializer,
    VerifyRegistrationInputSerializer,
    VerifyRegistrationOutputSerializer,
)
from juke_auth.services.accounts import (
    RegistrationDisabled,
    VerificationFailed,
    registration_resend,
    user_register,
    user_verify,
)
from juke_auth.services.profiles import (
    ProfileAlreadyExists,
    music_profile_create,
    music_profile_get_or_create,
    music_profile_update,
)
from juke_auth.services.social import (
    RESTORED_SIGN_IN_SESSION_KEY,
    SPOTIFY,
    SpotifySignInFailed,
    SpotifyUnavailable,
    spotify_error_classify,
    spotify_oauth_state_restore,
    spotify_stub_sign_in_refused,
    spotify_token_sign_in,
)
from juke_auth.services.tokens import session_token_get_or_issue, user_sign_in, user_sign_out, user_tokens_revoke
from juke_auth.throttles import AuthScopedRateThrottle

logger = logging.getLogger(__name__)

REGISTRATION_DISABLED = "Registration is temporarily disabled. Please try again later."
RESEND_ANSWER = "If an account is waiting for verification, we sent a new e-mail."
LOGIN_FAILED = "Unable to log in with provided credentials."
SPOTIFY_UNAVAILABLE = "Spotify authentication is temporarily unavailable. Please try again."
SPOTIFY_AUTH_FAILED = "Spotify authentication failed. Please try again."
PROFILE_NOT_FOUND = "No MusicProfile matches the given query."
PROFILE_LIST_REFUSED = "Music profiles cannot be listed. Use the search endpoint instead."
TRUE_WORDS = {"1", "true", "True", "yes"}

DETAIL_400 = OpenApiResponse(DetailSerializer, description="Refused; `detail` says why.")


# Endpoints that sign in take no CSRF token, so they take JSON only: a cross-site HTML form (urlencoded or
# multipart, no CORS preflight) could otherwise sign a victim's browser in to the attacker's account.
JSON_ONLY = [JukeJSONParser]


class PublicAuthView(APIView):
    """Base for endpoints used before signing in: no authentication (so no CSRF), JSON only, throttled by scope."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = JSON_ONLY
    throttle_classes = [AuthScopedRateThrottle]


def _detail(message: str, code: int) -> Response:
    return Response({"detail": message}, status=code)


# --- Registration -------------------------------------------------------------------------------------


class RegisterView(PublicAuthView):
    throttle_scope = "auth-register"

    @extend_schema(
        request=RegisterInputSerializer,
        responses={201: RegisterOutputSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer},
        summary="Create an inactive account and e-mail its verification link",
    )
    def post(self, request):
        if settings.DISABLE_REGISTRATION:
            return _detail(REGISTRATION_DISABLED, status.HTTP_403_FORBIDDEN)
        serializer = RegisterInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            user = user_register(
                request=request, username=data["username"], email=data["email"], password=data["password"]
            )
        except RegistrationDisabled:
            return _detail(REGISTRATION_DISABLED, status.HTTP_403_FORBIDDEN)
        except IntegrityError:  # a concurrent registration took the username or e-mail first
            raise ValidationError(
                {"non_field_errors": ["A user with that username or email already exists."]}, code="unique"
            ) from None
        return Response(RegisterOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class VerifyRegistrationView(PublicAuthView):
    throttle_scope = "auth-verify"

    @extend_schema(
        request=VerifyRegistrationInputSerializer,
        responses={200: VerifyRegistrationOutputSerializer, 400: DETAIL_400, 404: DetailSerializer},
        summary="Activate an account from its e-mailed link; signs in (token + session). A link works once.",
    )
    def post(self, request):
        if settings.DISABLE_REGISTRATION:
            raise NotFound()
        serializer = VerifyRegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = user_verify(**serializer.validated_data)
        except VerificationFailed as failure:
            return _detail(str(failure), status.HTTP_400_BAD_REQUEST)
        token = user_sign_in(request=request._request, user=user)
        return Response({"detail": "Account verified.", "token": token, "username": user.username})


class ResendRegistrationView(PublicAuthView):
    throttle_scope = "auth-resend"

    @extend_schema(
        request=ResendRegistrationInputSerializer,
        responses={200: DetailSerializer, 400: DETAIL_400, 403: DetailSerializer},
        summary="Send a fresh verification link. The answer is the same whether or not the account exists.",
    )
    def post(self, request):
        if settings.DISABLE_REGISTRATION:
            return _detail(REGISTRATION_DISABLED, status.HTTP_403_FORBIDDEN)
        serializer = ResendRegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data.get("email", "").strip()
        username = serializer.validated_data.get("username", "").strip()
        if not email and not username:
            return _detail("Email or username is required.", status.HTTP_400_BAD_REQUEST)
        registration_resend(request=request, email=email, username=username)
        return _detail(RESEND_ANSWER, status.HTTP_200_OK)


# django-rest-registration's own endpoints, throttled like ours.
class PasswordResetLinkSendView(SendResetPasswordLinkView):
    throttle_classes = [AuthScopedRateThrottle]
    throttle_scope = "auth-password-reset"


class PasswordResetView(ResetPasswordView):
    """The library's reset; a successful reset also signs the account out everywhere (revokes its tokens)."""

    throttle_classes = [AuthScopedRateThrottle]
    throttle_scope = "auth-password-reset"

    def post(self, request):
        response = super().post(request)
        if response.status_code == status.HTTP_200_OK:
            user_tokens_revoke(user_id=int(request.data["user_id"]))
        return response


class PasswordChangeView(ChangePasswordView):
    """The library's change-password; other sign-ins (tokens other than the one used) are revoked."""

    throttle_classes = [AuthScopedRateThrottle]
    throttle_scope = "auth-login"

    def post(self, request):
        response = super().post(request)
        if response.status_code == status.HTTP_200_OK:
            keep = request.auth if isinstance(request.successful_authenticator, JukeTokenAuthentication) else None
            user_tokens_revoke(user_id=request.user.pk, keep=keep)
        return response


class AccountsLoginView(RegistrationLoginView):
    parser_classes = JSON_ONLY
    throttle_classes = [AuthScopedRateThrottle]
    throttle_scope = "auth-login"


# --- Token sign-in and sign-out -----------------------------------------------------------------------


class TokenLoginView(PublicAuthView):
    throttle_scope = "auth-login"

    @extend_schema(
        request=LoginInputSerializer,
        responses={200: TokenOutputSerializer, 400: OpenApiTypes.OBJECT},
        summary="Sign in with username and password: a new token for this device, and a session",
    )
    def post(self, request):
        serializer = LoginInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [LOGIN_FAILED]}, code="authorization")
        token = user_sign_in(request=request._request, user=user)
        return Response({"token": token})


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Signed out")},
        summary="Sign out: revoke the token this request used and end the session (other devices stay in)",
    )
    def post(self, request):
        token = request.auth if isinstance(request.successful_authenticator, JukeTokenAuthentication) else None
        user_sign_out(request=request._request, user=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SocialLoginView(PublicAuthView):
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
            return _detail("'access_token' is required.", status.HTTP_400_BAD_REQUEST)
        serializer = SocialLoginInputSerializer(data=request.data)
        if not serializer.is_valid():
            return _detail("'access_token' must be a non-empty string.", status.HTTP_400_BAD_REQUEST)
        try:
            user = spotify_token_sign_in(
                request=request._request,
                access_token=serializer.validated_data["access_token"],
                refresh_token=serializer.validated_data.get("refresh_token", ""),
                signed_in_user=request.user if request.user.is_authenticated else None,
            )
        except SpotifyUnavailable:
            return _detail(SPOTIFY_UNAVAILABLE, status.HTTP_503_SERVICE_UNAVAILABLE)
        except SpotifySignInFailed as failure:
            return _detail(str(failure) or SPOTIFY_AUTH_FAILED, status.HTTP_400_BAD_REQUEST)
        token = user_sign_in(request=request._request, user=user, backend="juke_auth.backends.JukeSpotifyOAuth2")
        context = {"request": request, "token": token}
        return Response(SocialLoginOutputSerializer(user, context=context).data)


# --- Spotify web sign-in (social-auth redirect flow) ----------------------------------------------------


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
}


@method_decorator(never_cache, name="dispatch")
class SpotifyLoginStartView(APIView):
    """Start "Sign in with Spotify": redirect to Spotify's authorize page (a signed-in user links the account)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(responses={302: OpenApiResponse(description="Redirect to accounts.spotify.com/authorize")})
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
            request=django_request, backend_name=backend, state=django_request.GET.get("state", "")
        )
        try:
            response = social_views.complete(django_request, backend)
        except SocialAuthBaseException as error:
            logger.warning("Spotify sign-in failed: %r", error)
            _restored_sign_in_end(django_request, failed=True)
            return _spotify_failure(request, spotify_error_classify(error=error))
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
            200: OpenApiResponse(description="An HTML form asking for the listener name"),
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


@method_decorator(never_cache, name="dispatch")
class SpotifyDisconnectView(APIView):
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
            return _detail(
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


def _presented_token_key(request) -> str | None:
    parts = get_authorization_header(request).split()
    if len(parts) == 2:
        return parts[1].decode("utf-8", errors="replace")
    return None


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Signed-in users see other users' public fields only; their own e-mail and token only at me/."""

    serializer_class = UserPublicSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.user_list()

    @extend_schema(responses=UserOwnSerializer)
    @action(detail=False, methods=["get"], url_path="me", url_name="me")
    def me(self, request):
        if isinstance(request.successful_authenticator, JukeTokenAuthentication):
            token = _presented_token_key(request)
        else:  # a session client (e.g. after "Sign in with Spotify") gets a token it can use (§9.17)
            token = session_token_get_or_issue(request=request._request, user=request.user)
        return Response(UserOwnSerializer(request.user, context={"request": request, "token": token}).data)


# --- Music profiles -----------------------------------------------------------------------------------


class MusicProfileListView(APIView):
    """No plain listing; `?online=true` lists signed-in users' profiles; POST creates the caller's profile."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("online", str, description="true/1/yes: list profiles of signed-in users")],
        responses={200: MusicProfileSerializer(many=True), 405: DetailSerializer},
    )
    def get(self, request):
        if request.query_params.get("online") not in TRUE_WORDS:
            return _detail(PROFILE_LIST_REFUSED, status.HTTP_405_METHOD_NOT_ALLOWED)
        paginator = JukePagination()
        page = paginator.paginate_queryset(selectors.music_profile_online_list(), request, view=self)
        data = MusicProfileSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=MusicProfileSerializer, responses={201: MusicProfileSerializer, 400: OpenApiTypes.OBJECT})
    def post(self, request):
        serializer = MusicProfileSerializer(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            profile = music_profile_create(user=request.user, data=serializer.validated_data)
        except ProfileAlreadyExists:
            return _detail("Profile already exists for this user.", status.HTTP_400_BAD_REQUEST)
        return Response(
            MusicProfileSerializer(profile, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def _update_profile(request, profile):
    # PUT behaves like PATCH: every field is optional and fields left out stay as they are (contract §4.2).
    serializer = MusicProfileSerializer(profile, data=request.data, partial=True, context={"request": request})
    serializer.is_valid(raise_exception=True)
    profile = music_profile_update(profile=profile, data=serializer.validated_data)
    return Response(MusicProfileSerializer(profile, context={"request": request}).data)


class MusicProfileMeView(APIView):
    """The caller's own profile, created on first use."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MusicProfileSerializer)
    def get(self, request):
        profile = music_profile_get_or_create(user=request.user)
        return Response(MusicProfileSerializer(profile, context={"request": request}).data)

    @extend_schema(request=MusicProfileSerializer, responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT})
    def put(self, request):
        return _update_profile(request, music_profile_get_or_create(user=request.user))

    @extend_schema(request=MusicProfileSerializer, responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT})
    def patch(self, request):
        return _update_profile(request, music_profile_get_or_create(user=request.user))


class MusicProfileSearchView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Text in the username or display name")],
        responses=MusicProfileSearchOutputSerializer,
    )
    def get(self, request):
        query = request.query_params.get("q", "")
        if "\x00" in query:  # PostgreSQL refuses NUL in text: a 400, not a database error
            raise ValidationError({"q": ["Must not contain NUL characters."]})
        users = selectors.user_search_by_profile(query=query)
        return Response(MusicProfileSearchOutputSerializer({"results": users}).data)


class MusicProfileDetailView(APIView):
    """Anyone signed in may read a profile; only its owner may change it."""

    permission_classes = [IsAuthenticated]

    def _profile(self, username: str):
        user = selectors.user_get_active_by_username(username=username)
        if user is None:
            raise NotFound(PROFILE_NOT_FOUND)
        return music_profile_get_or_create(user=user)

    def _owned_profile(self, request, username: str):
        user = selectors.user_get_active_by_username(username=username)
        if user is None:
            raise NotFound(PROFILE_NOT_FOUND)
        if user.pk != request.user.pk:
            raise PermissionDenied()
        return music_profile_get_or_create(user=user)

    @extend_schema(responses={200: MusicProfileSerializer, 404: DetailSerializer})
    def get(self, request, username):
        profile = self._profile(username)
        return Response(MusicProfileSerializer(profile, context={"request": request}).data)

    @extend_schema(
        request=MusicProfileSerializer,
        responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer, 404: DetailSerializer},
    )
    def put(self, request, username):
        return _update_profile(request, self._owned_profile(request, username))

    @extend_schema(
        request=MusicProfileSerializer,
        responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer, 404: DetailSerializer},
    )
    def patch(self, request, username):
        return _update_profile(request, self._owned_profile(request, username))
