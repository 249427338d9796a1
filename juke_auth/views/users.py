"""Users: others' public fields; one's own account (with e-mail and a token) at users/me/."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.authentication import get_authorization_header
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.openapi import error_response
from juke_auth import selectors
from juke_auth.authentication import JukeTokenAuthentication
from juke_auth.serializers import UserOwnSerializer, UserPublicSerializer
from juke_auth.services.tokens import session_token_issue


def _presented_token_key(request) -> str | None:
    parts = get_authorization_header(request).split()
    if len(parts) == 2:
        return parts[1].decode("utf-8", errors="replace")
    return None


@extend_schema_view(retrieve=extend_schema(responses={200: UserPublicSerializer, 404: error_response("No such user.")}))
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
            token = session_token_issue(request=request._request, user=request.user)
        return Response(UserOwnSerializer(request.user, context={"request": request, "token": token}).data)
