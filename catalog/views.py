"""Catalog API: read-only genres, artists, albums and tracks, internal or Spotify-backed (`?external=true`)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from catalog.errors import NotOnStreamingPlatform, SearchQueryMissing
from catalog.models import Album, Artist, Genre, Track
from catalog.pagination import CatalogPagination
from catalog.selectors import album_list, artist_list, genre_list, track_list
from catalog.serializers import (
    AlbumSerializer,
    ArtistSerializer,
    ExternalSearchParamsSerializer,
    FeaturedGenreSerializer,
    GenreSerializer,
    TaskQueuedSerializer,
    TrackSerializer,
)
from catalog.services.external import external_detail, external_search
from catalog.services.genres import featured_genres_get
from catalog.services.tasks import genre_sync_enqueue
from core.answer_cache import cached_answer
from core.openapi import error_response

TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off", ""}
NUL_IN_PARAMETER = "Must not contain NUL characters."


def external_requested(request) -> bool:
    """`external` is a boolean (API_CONTRACT 9.7); absent means our catalog."""
    raw = request.query_params.get("external")
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ValidationError({"external": ["Must be a boolean: true/1/yes/on or false/0/no/off."]})


def _params(*names: str, external: bool = True) -> list[OpenApiParameter]:
    described = {
        "q": "Search by name (case-insensitive substring). Required with external=true.",
        "search": "Alias of q (our catalog only).",
        "artist": "Only items of this artist (id or spotify_id).",
        "album": "Only tracks of this album (id or spotify_id).",
        "genre": "Only items of artists in this genre (id or spotify_id).",
    }
    parameters = [OpenApiParameter(name, OpenApiTypes.STR, description=described[name]) for name in names]
    if external:
        parameters.append(
            OpenApiParameter(
                "external",
                OpenApiTypes.BOOL,
                description="true: search Spotify (results are stored in our catalog); false/absent: our catalog.",
            )
        )
    return parameters


def _list_responses(serializer_class, name: str):
    # One envelope for both: an external page is our page plus Spotify's href, limit and offset. (Two schemas
    # under oneOf cannot work: an external page is also a valid internal one.)
    fields = {
        "count": serializers.IntegerField(
            help_text="Exact for small results; estimated above 100k rows (lists) or 1,000 matches (searches, "
            "filters). External: Spotify's total."
        ),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
        "href": serializers.URLField(required=False, help_text="External pages only."),
        "limit": serializers.IntegerField(required=False, help_text="External pages only."),
        "offset": serializers.IntegerField(required=False, help_text="External pages only."),
    }
    page = type(f"{name}ListOrExternalPage", (serializers.Serializer,), fields)
    return {
        200: extend_schema_serializer(many=False)(page),  # already a page: no pagination wrapped around it
        400: error_response(
            f'Bad parameter, or external=true without q: {{"detail": "{SearchQueryMissing.default_detail}"}}',
            field_errors=True,
        ),
        401: error_response("Not signed in."),
        502: error_response("Spotify answered with an error."),
        503: error_response("Spotify unavailable or rate limiting."),
    }


LIMIT_OFFSET = [
    OpenApiParameter("limit", OpenApiTypes.INT, description="Page size: default 20 (external: 10, at most 50)."),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Items to skip (external: at most 1000)."),
]


class CatalogViewSet(viewsets.ReadOnlyModelViewSet):
    """Shared list/detail behaviour: internal lists and details, or Spotify-backed with ?external=true."""

    model: type
    filter_names: tuple[str, ...] = ()
    selector: Callable[..., QuerySet] = staticmethod(genre_list)
    pagination_class = CatalogPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if self.action != "list":
            return self.selector()
        params = self.request.query_params
        for name in ("q", "search", *self.filter_names):
            if "\x00" in params.get(name, ""):  # PostgreSQL refuses NUL in text: a 400, not a database error
                raise ValidationError({name: [NUL_IN_PARAMETER]})
        search = params.get("q") or params.get("search")
        filters = {name: params.get(name) for name in self.filter_names if params.get(name)}
        return self.selector(search=search, **filters)

    def list(self, request, *args, **kwargs):
        if external_requested(request):
            return self.external_list(request)
        return cached_answer(
            request,
            scope="catalog",
            key=request.get_full_path(),
            build=lambda: super(CatalogViewSet, self).list(request, *args, **kwargs),
        )

    def retrieve(self, request, *args, **kwargs):
        lookup = str(kwargs.get(self.lookup_field, ""))
        if external_requested(request):
            return self.external_retrieve(request, lookup)
        if not lookup.isdigit():
            raise NotFound()
        return cached_answer(
            request,
            scope="catalog",
            key=request.get_full_path(),
            build=lambda: super(CatalogViewSet, self).retrieve(request, *args, **kwargs),
        )

    def external_list(self, request):
        params = ExternalSearchParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data.get("q", "")
        limit, offset = params.validated_data["limit"], params.validated_data["offset"]
        page = external_search(model=self.model, query=query, limit=limit, offset=offset)
        url = request.build_absolute_uri()
        next_offset = offset + limit
        has_next = next_offset < min(page.total, 1000)
        return Response(
            {
                "href": url,
                "count": page.total,
                "limit": limit,
                "offset": offset,
                "next": replace_query_param(url, "offset", next_offset) if has_next else None,
                "previous": (
                    None
                    if offset <= 0
                    else (
                        remove_query_param(url, "offset")
                        if offset - limit <= 0
                        else replace_query_param(url, "offset", offset - limit)
                    )
                ),
                "results": self.get_serializer(page.items, many=True).data,
            }
        )

    def external_retrieve(self, request, spotify_id: str):
        item = external_detail(model=self.model, spotify_id=spotify_id)
        return Response(self.get_serializer(item).data)


def _catalog_schema(serializer_class, name: str, filters: tuple[str, ...], *, external: bool = True):
    return extend_schema_view(
        list=extend_schema(
            parameters=[*_params("q", "search", *filters, external=external), *LIMIT_OFFSET],
            responses=_list_responses(serializer_class, name),
            description=(
                f"Our {name.lower()}s by id, searchable by name. With external=true (and q), Spotify is searched, "
                "what it finds is stored, and the page comes in the external envelope."
                if external
                else f"Our {name.lower()}s by id, searchable by name."
            ),
        ),
        retrieve=extend_schema(
            parameters=_params(external=external),
            responses={
                200: serializer_class,
                400: error_response("Spotify cannot serve the request.", field_errors=True),
                404: error_response("Unknown id (or unknown Spotify id with external=true)."),
                502: error_response("Spotify answered with an error."),
                503: error_response("Spotify unavailable."),
            },
            description=(
                "By integer id; with external=true the path holds a Spotify id, which is fetched and stored."
                if external
                else "By integer id."
            ),
        ),
    )


@_catalog_schema(GenreSerializer, "Genre", (), external=False)
class GenreViewSet(CatalogViewSet):
    model = Genre
    serializer_class = GenreSerializer
    selector = staticmethod(genre_list)

    def external_list(self, request):
        raise NotOnStreamingPlatform()

    def external_retrieve(self, request, spotify_id):
        raise NotOnStreamingPlatform()

    @extend_schema(
        responses={200: FeaturedGenreSerializer(many=True)},
        description="The 20 featured genres in a fixed order, each with up to 3 top artists (cached 24 h).",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def featured(self, request):
        return Response(featured_genres_get())

    @extend_schema(
        request=None,
        responses={202: TaskQueuedSerializer, 403: error_response("Not an admin.")},
        description="Admin only: queue the Spotify genre sync.",
    )
    @action(detail=False, methods=["post"], permission_classes=[IsAuthenticated, IsAdminUser])
    def refresh(self, request):
        return Response({"task_id": genre_sync_enqueue()}, status=status.HTTP_202_ACCEPTED)


@_catalog_schema(ArtistSerializer, "Artist", ("genre",))
class ArtistViewSet(CatalogViewSet):
    model = Artist
    serializer_class = ArtistSerializer
    selector = staticmethod(artist_list)
    filter_names = ("genre",)


@_catalog_schema(AlbumSerializer, "Album", ("artist", "genre"))
class AlbumViewSet(CatalogViewSet):
    model = Album
    serializer_class = AlbumSerializer
    selector = staticmethod(album_list)
    filter_names = ("artist", "genre")


@_catalog_schema(TrackSerializer, "Track", ("artist", "album", "genre"))
class TrackViewSet(CatalogViewSet):
    model = Track
    serializer_class = TrackSerializer
    selector = staticmethod(track_list)
    filter_names = ("artist", "album", "genre")
