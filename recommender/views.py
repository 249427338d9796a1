from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from recommender.serializers import (
    RecommendationMeQuerySerializer,
    RecommendationRequestSerializer,
    RecommendationResponseSerializer,
)
from recommender.services.recommendations import recommendation_list, recommendation_list_for_user


def _response(recommendations) -> Response:
    return Response(RecommendationResponseSerializer(recommendations).data)


class RecommendationListView(APIView):
    """Artists, albums and tracks like the given seeds (names, Juke URIs, profiles, genres)."""

    @extend_schema(request=RecommendationRequestSerializer, responses=RecommendationResponseSerializer)
    def post(self, request):
        serializer = RecommendationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _response(recommendation_list(**serializer.validated_data))


class RecommendationMeView(APIView):
    """Recommendations from the signed-in user's music profile."""

    @extend_schema(parameters=[RecommendationMeQuerySerializer], responses=RecommendationResponseSerializer)
    def get(self, request):
        query = RecommendationMeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        resource_types = sorted(query.validated_data.get("resource_types") or []) or None
        return _response(
            recommendation_list_for_user(
                user=request.user, limit=query.validated_data["limit"], resource_types=resource_types
            )
        )
