"""Registration, verification links, password reset and change, and changing the e-mail address."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_registration.api.views.change_password import ChangePasswordView
from rest_registration.api.views.reset_password import ResetPasswordView, SendResetPasswordLinkView

from juke_auth.authentication import JukeTokenAuthentication
from juke_auth.serializers import (
    DetailSerializer,
    EmailChangeConfirmInputSerializer,
    EmailChangeRequestInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    ResendRegistrationInputSerializer,
    VerifyRegistrationInputSerializer,
    VerifyRegistrationOutputSerializer,
)
from juke_auth.services.accounts import registration_ensure_enabled, registration_resend, user_register, user_verify
from juke_auth.services.email_change import email_change_confirm, email_change_request
from juke_auth.services.tokens import user_sign_in, user_tokens_revoke
from juke_auth.throttles import AuthScopedRateThrottle
from juke_auth.views.base import DETAIL_400, JSON_ONLY, AuthAPIView, PublicAuthView, detail

RESEND_ANSWER = "If an account is waiting for verification, we sent a new e-mail."
ALREADY_VERIFIED_ANSWER = "Account already verified."


class RegisterView(PublicAuthView):
    throttle_scope = "auth-register"

    @extend_schema(
        request=RegisterInputSerializer,
        responses={201: RegisterOutputSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer},
        summary="Create an inactive account and e-mail its verification link",
    )
    def post(self, request):
        registration_ensure_enabled()
        serializer = RegisterInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = user_register(username=data["username"], email=data["email"], password=data["password"])
        return Response(RegisterOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class VerifyRegistrationView(PublicAuthView):
    throttle_scope = "auth-verify"

    @extend_schema(
        request=VerifyRegistrationInputSerializer,
        responses={200: VerifyRegistrationOutputSerializer, 400: DETAIL_400, 404: DetailSerializer},
        summary="Activate an account from its e-mailed link; the first use signs in (token + session). "
        "A repeat of a valid link for a verified account answers 200 without a token.",
    )
    def post(self, request):
        if settings.DISABLE_REGISTRATION:
            raise NotFound()
        serializer = VerifyRegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        verification = user_verify(**serializer.validated_data)
        user = verification.user
        if not verification.newly_verified:
            return Response({"detail": ALREADY_VERIFIED_ANSWER, "username": user.username})
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
        registration_ensure_enabled()
        serializer = ResendRegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data.get("email", "").strip()
        username = serializer.validated_data.get("username", "").strip()
        if not email and not username:
            return detail("Email or username is required.", status.HTTP_400_BAD_REQUEST)
        registration_resend(email=email, username=username)
        return detail(RESEND_ANSWER, status.HTTP_200_OK)


class EmailChangeRequestView(AuthAPIView):
    """Ask to change the caller's e-mail address: a link goes to the new address."""

    permission_classes = [IsAuthenticated]
    parser_classes = JSON_ONLY
    throttle_classes = [AuthScopedRateThrottle]
    throttle_scope = "auth-resend"

    @extend_schema(
        request=EmailChangeRequestInputSerializer,
        responses={200: DetailSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer},
        summary="Send a confirmation link to a new e-mail address (only the latest link works, once)",
    )
    def post(self, request):
        serializer = EmailChangeRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email_change_request(user=request.user, email=serializer.validated_data["email"])
        return detail("Register email link email sent", status.HTTP_200_OK)


class EmailChangeConfirmView(PublicAuthView):
    throttle_scope = "auth-verify"

    @extend_schema(
        request=EmailChangeConfirmInputSerializer,
        responses={200: DetailSerializer, 400: OpenApiTypes.OBJECT, 404: DetailSerializer, 409: DetailSerializer},
        summary="Put the new e-mail address from a confirmation link on the account (once)",
    )
    def post(self, request):
        if settings.DISABLE_REGISTRATION:
            raise NotFound()
        serializer = EmailChangeConfirmInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email_change_confirm(**serializer.validated_data)
        return detail("Email verified successfully", status.HTTP_200_OK)


# django-rest-registration's password endpoints, throttled like ours.
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
