"""Accounts, users and music profiles; mounted at /api/v1/."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from juke_auth.views import accounts, profiles, sessions, spotify, spotify_stub_page, users

router = SimpleRouter()
router.register("users", users.UserViewSet, basename="user")

accounts_patterns = [
    path("register/", accounts.RegisterView.as_view(), name="register"),
    path("verify-registration/", accounts.VerifyRegistrationView.as_view(), name="verify-registration"),
    path("resend-registration/", accounts.ResendRegistrationView.as_view(), name="resend-registration"),
    path("send-reset-password-link/", accounts.PasswordResetLinkSendView.as_view(), name="send-reset-password-link"),
    path("reset-password/", accounts.PasswordResetView.as_view(), name="reset-password"),
    path("change-password/", accounts.PasswordChangeView.as_view(), name="change-password"),
    path("register-email/", accounts.EmailChangeRequestView.as_view(), name="register-email"),
    path("verify-email/", accounts.EmailChangeConfirmView.as_view(), name="verify-email"),
]

social_patterns = (
    [
        path("login/<str:backend>/", spotify.SpotifyLoginStartView.as_view(), name="begin"),
        path("stub/authorize/", spotify_stub_page.StubSpotifyAuthorizeView.as_view(), name="stub-authorize"),
        path("complete/<str:backend>/", spotify.SpotifyLoginCompleteView.as_view(), name="complete"),
        path("disconnect/<str:backend>/", spotify.SpotifyDisconnectView.as_view(), name="disconnect"),
        path(
            "disconnect/<str:backend>/<int:association_id>/",
            spotify.SpotifyDisconnectOneView.as_view(),
            name="disconnect_individual",
        ),
    ],
    "social",
)

urlpatterns = [
    path("auth/accounts/", include((accounts_patterns, "rest_registration"))),
    path("auth/api-auth-token/", sessions.TokenLoginView.as_view(), name="api-auth-token"),
    path("auth/session/logout/", sessions.LogoutView.as_view(), name="session-logout"),
    path("auth/session/logout-everywhere/", sessions.LogoutEverywhereView.as_view(), name="session-logout-everywhere"),
    path("auth/social-login/", spotify.SocialLoginView.as_view(), name="social-login"),
    path("auth/api-auth/", include("rest_framework.urls")),
    path("social-auth/", include(social_patterns)),
    *router.urls,
    path("music-profiles/", profiles.MusicProfileListView.as_view(), name="musicprofile-list"),
    path("music-profiles/me/", profiles.MusicProfileMeView.as_view(), name="musicprofile-me"),
    path("music-profiles/search/", profiles.MusicProfileSearchView.as_view(), name="musicprofile-search"),
    path("music-profiles/globe/", profiles.MusicProfileGlobeView.as_view(), name="musicprofile-globe"),
    re_path(
        r"^music-profiles/(?P<username>[^/]+)/$",
        profiles.MusicProfileDetailView.as_view(),
        name="musicprofile-detail",
    ),
]
