import json

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.answer_cache import cached_answer, not_cached
from core.openapi import error_response
from recommender.serializers import (
    RecommendationMeQuerySerializer,
    RecommendationRequestSerializer,
    RecommendationResponseSerializer,
    SimilarQuerySerializer,
)
from recommender.services.recommendations import recommendation_list, recommendation_list_for_user
from recommender.services.seeds import SeedRequest
from recommender.services.similar import recommendation_list_similar

_UNAVAILABLE = {
    502: error_response("The recommender engine answered with something unusable."),
    503: error_response("The recommender engine is down, hung or recovering (Retry-After): try again later."),
}
_BAD_REQUEST = error_response(
    "Invalid parameters, or seeds that are unknown or resolve to nothing: field errors or `{detail, code}`.",
    field_errors=True,
)


def _response(recommendations) -> Response:
    return Response(RecommendationResponseSerializer(recommendations).data)


class RecommendationListView(APIView):
    """Artists, albums and tracks like the given seeds (names, Juke URIs, profiles, users' taste, genres)."""

    @extend_schema(
        request=RecommendationRequestSerializer,
        responses={200: RecommendationResponseSerializer, 400: _BAD_REQUEST, **_UNAVAILABLE},
    )
    def post(self, request):
        def build() -> Response:
            serializer = RecommendationRequestSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            seeds = SeedRequest.from_mapping(data)
            response = _response(
                recommendation_list(
                    request=seeds,
                    requester=request.user,
                    seed_weight=data["seed_weight"],
                    limit=data["limit"],
                    resource_types=data.get("resource_types"),
                )
            )
            if seeds.users or seeds.profiles:  # people's taste and favourites are not catalog data
                not_cached(response)
            return response

        # Keyed by the request as sent: only valid requests' answers are stored, so a hit needs no validation.
        return cached_answer(
            request, scope="catalog", key=json.dumps(request.data, sort_keys=True, default=str), build=build
        )


class RecommendationMeView(APIView):
    """Recommendations from the signed-in user's taste: what they play and like, else their music profile."""

    @extend_schema(
        parameters=[RecommendationMeQuerySerializer],
        responses={200: RecommendationResponseSerializer, 400: _BAD_REQUEST, **_UNAVAILABLE},
    )
    def get(self, request):
        query = RecommendationMeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        resource_types = sorted(query.validated_data.get("resource_types") or []) or None
        return _response(
            recommendation_list_for_user(
                user=request.user,
                mode=query.validated_data["mode"],
                limit=query.validated_data["limit"],
                resource_types=resource_types,
            )
        )


class _SimilarView(APIView):
    resource_type = ""

    @extend_schema(
        parameters=[SimilarQuerySerializer],
        responses={
            200: RecommendationResponseSerializer,
            400: _BAD_REQUEST,
            404: error_response("No catalog item with this id or Spotify id."),
            **_UNAVAILABLE,
        },
    )
    def get(self, request, identifier: str):
        query = SimilarQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return _response(
            recommendation_list_similar(
                resource_type=self.resource_type, identifier=identifier, limit=query.validated_data["limit"]
            )
        )


class ArtistSimilarView(_SimilarView):
    """Artists people who play this artist also play (by its catalog id or Spotify id); its sound for new ones."""

    resource_type = "artist"


class TrackSimilarView(_SimilarView):
    """Tracks played by the same people as this track (catalog id or Spotify id); its sound for new ones."""

    resource_type = "track"
