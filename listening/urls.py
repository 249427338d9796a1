from django.urls import path, re_path

from listening import views

urlpatterns = [
    path("listens/", views.ListenListView.as_view(), name="listen-list"),
    path("listens/stats/", views.ListenStatsView.as_view(), name="listen-stats"),
    path("listens/visibility/", views.ListensVisibilityView.as_view(), name="listen-visibility"),
    path("listens/<int:listen_id>/", views.ListenDetailView.as_view(), name="listen-detail"),
    path("likes/", views.LikeListView.as_view(), name="like-list"),
    re_path(
        r"^likes/(?P<kind>tracks|albums|artists)/(?P<spotify_id>[^/]{1,64})/$",
        views.LikeDetailView.as_view(),
        name="like-detail",
    ),
]
