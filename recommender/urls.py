from django.urls import path

from recommender.views import ArtistSimilarView, RecommendationListView, RecommendationMeView, TrackSimilarView

urlpatterns = [
    path("recommendations/", RecommendationListView.as_view(), name="recommendations"),
    path("recommendations/me/", RecommendationMeView.as_view(), name="recommendations-me"),
    path("artists/<str:identifier>/similar/", ArtistSimilarView.as_view(), name="artist-similar"),
    path("tracks/<str:identifier>/similar/", TrackSimilarView.as_view(), name="track-similar"),
]
