"""Music profiles: one's own, others' by username, search, the online list, and the Juke World globe."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.answer_cache import cached_answer
from core.pagination import JukePagination
from juke_auth import selectors
from juke_auth.serializers import (
    DetailSerializer,
    GlobePointSerializer,
    GlobeQuerySerializer,
    MusicProfileSearchOutputSerializer,
    MusicProfileSerializer,
)
from juke_auth.services.profiles import (
    music_profile_create,
    music_profile_get_or_create,
    music_profile_of,
    music_profile_of_owner,
    music_profile_update,
)
from juke_auth.views.base import AuthAPIView, detail

PROFILE_LIST_REFUSED = "Music profiles cannot be listed. Use the search endpoint instead."
GLOBE_INVALID = "Invalid query parameters."
TRUE_WORDS = {"1", "true", "True", "yes"}


class MusicProfileListView(AuthAPIView):
    """No plain listing; `?online=true` lists signed-in users' profiles; POST creates the caller's profile."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("online", str, description="true/1/yes: list profiles of signed-in users")],
        responses={200: MusicProfileSerializer(many=True), 405: DetailSerializer},
    )
    def get(self, request):
        if request.query_params.get("online") not in TRUE_WORDS:
            return detail(PROFILE_LIST_REFUSED, status.HTTP_405_METHOD_NOT_ALLOWED)
        paginator = JukePagination()
        page = paginator.paginate_queryset(selectors.music_profile_online_list(), request, view=self)
        data = MusicProfileSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=MusicProfileSerializer, responses={201: MusicProfileSerializer, 400: OpenApiTypes.OBJECT})
    def post(self, request):
        serializer = MusicProfileSerializer(data=request.data, partial=True, context={"request": request})
        serializer.is_valid(raise_exception=True)
        profile = music_profile_create(user=request.user, data=serializer.validated_data)
        return Response(
            MusicProfileSerializer(profile, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


def _update_profile(request, profile):
    # PUT behaves like PATCH: every field is optional and fields left out stay as they are (contract §4.2).
    serializer = MusicProfileSerializer(profile, data=request.data, partial=True, context={"request": request})
    serializer.is_valid(raise_exception=True)
    profile = music_profile_update(profile=profile, data=serializer.validated_data)
    return Response(MusicProfileSerializer(profile, context={"request": request}).data)


class MusicProfileMeView(AuthAPIView):
    """The caller's own profile, created on first use."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MusicProfileSerializer)
    def get(self, request):
        def build() -> Response:
            profile = music_profile_get_or_create(user=request.user)
            return Response(MusicProfileSerializer(profile, context={"request": request}).data)

        return cached_answer(request, scope="profiles", key=f"me:{request.user.pk}", build=build)

    @extend_schema(request=MusicProfileSerializer, responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT})
    def put(self, request):
        return _update_profile(request, music_profile_get_or_create(user=request.user))

    @extend_schema(request=MusicProfileSerializer, responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT})
    def patch(self, request):
        return _update_profile(request, music_profile_get_or_create(user=request.user))


class MusicProfileSearchView(AuthAPIView):
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


class MusicProfileGlobeView(AuthAPIView):
    """Juke World: the points of profiles with a city inside a box; zoomed out, only the higher clout."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[GlobeQuerySerializer],
        responses={200: GlobePointSerializer(many=True), 400: DetailSerializer},
        summary="Profiles with a city inside the box, highest clout first (a bare JSON array)",
    )
    def get(self, request):
        query = GlobeQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return detail(GLOBE_INVALID, status.HTTP_400_BAD_REQUEST)
        # The selector already builds the documented point shape; up to 10,000 of them skip a serializer pass.
        return Response(selectors.music_profile_globe_points(**query.validated_data))


class MusicProfileDetailView(AuthAPIView):
    """Anyone signed in may read a profile; only its owner may change it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MusicProfileSerializer, 404: DetailSerializer})
    def get(self, request, username):
        profile = music_profile_of(username=username)
        return Response(MusicProfileSerializer(profile, context={"request": request}).data)

    @extend_schema(
        request=MusicProfileSerializer,
        responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer, 404: DetailSerializer},
    )
    def put(self, request, username):
        return _update_profile(request, music_profile_of_owner(username=username, caller=request.user))

    @extend_schema(
        request=MusicProfileSerializer,
        responses={200: MusicProfileSerializer, 400: OpenApiTypes.OBJECT, 403: DetailSerializer, 404: DetailSerializer},
    )
    def patch(self, request, username):
        return _update_profile(request, music_profile_of_owner(username=username, caller=request.user))
