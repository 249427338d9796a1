from django.urls import include, path

urlpatterns = [
    path("playback/", include("catalog.playback_urls")),
]
