"""Our own listening API: history (cursor pages by time), deletion, stats, and likes."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import JukePagination
from listening import serializers as io
from listening.models import ListenSource
from listening.selectors import like_list, listen_list, listen_stats_cached, listens_public_get
from listening.services.history import listen_delete, listens_delete_all, listens_visibility_set
from listening.services.ingest import listens_ingest
from listening.services.likes import LikeKind, like_remove, like_set
from listening.services.listenbrainz import submission_parse
from listening.services.playing_now import playing_now_set

_ERROR = OpenApiResponse(description='`{"detail": str, "code": str}` or field errors `{"<field>": [str]}`.')
_LIKE_KINDS: dict[str, LikeKind] = {"tracks": "track", "albums": "album", "artists": "artist"}


def _cursor_encode(listened_at: datetime, listen_id: int) -> str:
    return base64.urlsafe_b64encode(f"{listened_at.isoformat()}|{listen_id}".encode()).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, listen_id = raw.split("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed, int(listen_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise drf_serializers.ValidationError({"cursor": ["Invalid cursor: use the `next` link of a page."]}) from None


class ListenListView(APIView):
    @extend_schema(
        tags=["listening"],
        summary="Your listens, newest first (cursor pages by time)",
        parameters=[io.ListenListInputSerializer],
        responses={200: io.ListenPageOutputSerializer, 400: _ERROR},
    )
    def get(self, request):
        params = io.ListenListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        cursor = params.validated_data.get("cursor")
        before, before_id = _cursor_decode(cursor) if cursor else (None, None)
        limit = params.validated_data["limit"]
        listens = listen_list(user=request.user, before=before, before_id=before_id, limit=limit + 1)
        next_url = None
        if len(listens) > limit:
            listens = listens[:limit]
            last = listens[-1]
            query = request.query_params.copy()
            query["cursor"] = _cursor_encode(last.listened_at, last.pk)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"next": next_url, "results": io.ListenOutputSerializer(listens, many=True).data})

    @extend_schema(
        tags=["listening"],
        summary="Submit listens (the ListenBrainz submit-listens body)",
        description="`listen_type` single (one listen), import (up to 1,000) or playing_now (one, without "
        "`listened_at`); each listen is `{listened_at, track_metadata: {artist_name, track_name, release_name?, "
        "additional_info?}}`. The same listen submitted twice is stored once.",
        request=io.ListenSubmitInputSerializer,
        responses={200: io.ListenSubmitOutputSerializer, 400: _ERROR},
    )
    def post(self, request):
        submission = submission_parse(body=request.body)
        if submission.playing_now is not None:
            playing_now_set(user_id=request.user.pk, track_metadata=submission.playing_now)
            return Response({"status": "ok", "received": 0, "created": 0, "matched": 0})
        result = listens_ingest(user=request.user, listens=submission.listens, source=ListenSource.SCROBBLER)
        return Response(
            {"status": "ok", "received": result.received, "created": result.created, "matched": result.matched}
        )

    @extend_schema(
        tags=["listening"],
        summary="Delete all your listens",
        operation_id="listens_destroy_all",
        parameters=[OpenApiParameter("confirm", str, required=True, description="Must be `all`.")],
        responses={200: io.ListensDeletedOutputSerializer, 400: _ERROR},
    )
    def delete(self, request):
        deleted = listens_delete_all(user=request.user, confirm=request.query_params.get("confirm"))
        return Response({"deleted": deleted})


class ListenDetailView(APIView):
    @extend_schema(
        tags=["listening"],
        summary="Delete one of your listens",
        operation_id="listens_destroy_one",
        responses={204: None, 404: _ERROR},
    )
    def delete(self, request, listen_id: int):
        listen_delete(user=request.user, listen_id=listen_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListenStatsView(APIView):
    @extend_schema(
        tags=["listening"],
        summary="Your listening stats for a range",
        parameters=[io.StatsInputSerializer],
        responses={200: io.StatsOutputSerializer, 400: _ERROR},
    )
    def get(self, request):
        params = io.StatsInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        stats = listen_stats_cached(user=request.user, range_name=params.validated_data["range"])
        return Response(io.StatsOutputSerializer(stats).data)


class ListensVisibilityView(APIView):
    @extend_schema(
        tags=["listening"], summary="Whether others may read your listens", responses=io.ListensVisibilitySerializer
    )
    def get(self, request):
        return Response({"listens_public": listens_public_get(user=request.user)})

    @extend_schema(
        tags=["listening"],
        summary="Make your listens public or private",
        request=io.ListensVisibilitySerializer,
        responses={200: io.ListensVisibilitySerializer, 400: _ERROR},
    )
    def put(self, request):
        body = io.ListensVisibilitySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        public = listens_visibility_set(user=request.user, public=body.validated_data["listens_public"])
        return Response({"listens_public": public})


class LikeListView(APIView):
    pagination_class = JukePagination  # read by the schema generator, which then documents the page envelope

    @extend_schema(
        tags=["likes"],
        summary="Your likes, newest first",
        parameters=[io.LikeListInputSerializer],
        responses={200: io.LikeOutputSerializer(many=True), 400: _ERROR},
    )
    def get(self, request):
        params = io.LikeListInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        likes = like_list(user=request.user, kind=params.validated_data.get("type"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(likes, request, view=self)
        return paginator.get_paginated_response(io.LikeOutputSerializer(page, many=True).data)


class LikeDetailView(APIView):
    @extend_schema(
        tags=["likes"],
        summary="Like a track, album or artist",
        request=None,
        responses={200: io.LikeOutputSerializer, 201: io.LikeOutputSerializer, 404: _ERROR},
    )
    def put(self, request, kind: str, spotify_id: str):
        like, created = like_set(user=request.user, kind=_LIKE_KINDS[kind], spotify_id=spotify_id)
        return Response(io.LikeOutputSerializer(like).data, status=201 if created else 200)

    @extend_schema(tags=["likes"], summary="Unlike a track, album or artist", responses={204: None, 404: _ERROR})
    def delete(self, request, kind: str, spotify_id: str):
        like_remove(user=request.user, kind=_LIKE_KINDS[kind], spotify_id=spotify_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
