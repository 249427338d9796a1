from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.views import ApiRootView, HealthView

urlpatterns = [
    path("healthz", HealthView.as_view(), name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/v1/", ApiRootView.as_view(), name="api-root"),
    path("api/v1/", include("juke_auth.urls")),
    path("api/v1/playback/", include("playback.urls")),
    path("api/v1/", include("catalog.urls")),
    path("api/v1/", include("core.urls")),
    path("api/v1/", include("recommender.urls")),
    path("api/v1/", include("listening.urls")),
    # ListenBrainz-compatible API, so existing scrobblers can submit listens to Juke.
    path("1/", include("listening.urls_listenbrainz")),
]

# Django's own error pages (no route matched, a refused Host header) answer JSON, like the API.
handler400 = "core.views.bad_request"
handler404 = "core.views.not_found"
