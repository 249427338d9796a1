from django.urls import path

from listening import views_listenbrainz as views

urlpatterns = [
    path("submit-listens", views.SubmitListensView.as_view(), name="listenbrainz-submit-listens"),
    path("validate-token", views.ValidateTokenView.as_view(), name="listenbrainz-validate-token"),
    path("delete-listen", views.DeleteListenView.as_view(), name="listenbrainz-delete-listen"),
    path("latest-import", views.LatestImportView.as_view(), name="listenbrainz-latest-import"),
    path("user/<str:username>/listens", views.UserListensView.as_view(), name="listenbrainz-user-listens"),
    path("user/<str:username>/listen-count", views.UserListenCountView.as_view(), name="listenbrainz-listen-count"),
    path("user/<str:username>/playing-now", views.UserPlayingNowView.as_view(), name="listenbrainz-playing-now"),
]
