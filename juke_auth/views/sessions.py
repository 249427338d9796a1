"""Signing in with username and password, signing out (this credential), and signing out everywhere."""

from django.contrib.auth import authenticate
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from juke_auth.authentication import JukeTokenAuthentication
from juke_auth.serializers import LoginInputSerializer, TokenOutputSerializer
from juke_auth.services.tokens import user_sign_in, user_sign_out, user_sign_out_everywhere
from juke_auth.views.base import AuthAPIView, PublicAuthView

LOGIN_FAILED = "Unable to log in with provided credentials."


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


class LogoutView(AuthAPIView):
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


class LogoutEverywhereView(AuthAPIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Signed out on every device")},
        summary="Sign out everywhere: revoke every token of the caller (all devices) and end this session",
    )
    def post(self, request):
        user_sign_out_everywhere(request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
