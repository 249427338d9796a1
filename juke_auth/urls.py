"""Accounts, users and music profiles; mounted at /api/v1/."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter
from rest_registration.api.views import logout, profile, register_email, verify_email

from juke_auth import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")

accounts_patterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("verify-registration/", views.VerifyRegistrationView.as_view(), name="verify-registration"),
    path("resend-registration/", views.ResendRegistrationView.as_view(), name="resend-registration"),
    # django-rest-registration's remaining endpoints (no client uses them yet).
    path("send-reset-password-link/", views.PasswordResetLinkSendView.as_view(), name="send-reset-password-link"),
    path("reset-password/", views.PasswordResetView.as_view(), name="reset-password"),
    path("change-password/", views.PasswordChangeView.as_view(), name="change-password"),
    path("login/", views.AccountsLoginView.as_view(), name="login"),
    path("logout/", logout, name="logout"),
    path("profile/", profile, name="profile"),
    path("register-email/", register_email, name="register-email"),
    path("verify-email/", verify_email, name="verify-email"),
]

social_patterns = (
    [
        path("login/<str:backend>/", views.SpotifyLoginStartView.as_view(), name="begin"),
        path("stub/authorize/", views.StubSpotifyAuthorizeView.as_view(), name="stub-authorize"),
        path("complete/<str:backend>/", views.SpotifyLoginCompleteView.as_view(), name="complete"),
        path("disconnect/<str:backend>/", views.SpotifyDisconnectView.as_view(), name="disconnect"),
        path(
            "disconnect/<str:backend>/<int:association_id>/",
            views.SpotifyDisconnectOneView.as_view(),
            name="disconnect_individual",
        ),
    ],
    "social",
)

urlpatterns = [
    path("auth/accounts/", include((accounts_patterns, "rest_registration"))),
    path("auth/api-auth-token/", views.TokenLoginView.as_view(), name="api-auth-token"),
    path("auth/session/logout/", views.LogoutView.as_view(), name="session-logout"),
    path("auth/social-login/", views.SocialLoginView.as_view(), name="social-login"),
    path("auth/api-auth/", include("rest_framework.urls")),
    path("social-auth/", include(social_patterns)),
    *router.urls,
    path("music-profiles/", views.MusicProfileListView.as_view(), name="musicprofile-list"),
    path("music-profiles/me/", views.MusicProfileMeView.as_view(), name="musicprofile-me"),
    path("music-profiles/search/", views.MusicProfileSearchView.as_view(), name="musicprofile-search"),
    re_path(
        r"^music-profiles/(?P<username>[\w.@+-]+)/$",
        views.MusicProfileDetailView.as_view(),
        name="musicprofile-detail",
    ),
]
