from django.urls import path

from recommender.views import RecommendationListView, RecommendationMeView

urlpatterns = [
    path("recommendations/", RecommendationListView.as_view(), name="recommendations"),
    path("recommendations/me/", RecommendationMeView.as_view(), name="recommendations-me"),
]
