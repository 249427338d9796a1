"""Accounts pieces that need no database: e-mail printing, error classification, the stub Spotify accounts
service, the Spotify backend's redirect URI, throttle rates and profile model properties."""

import io
from types import SimpleNamespace

import pytest
from django.core.mail import EmailMultiAlternatives
from social_core.exceptions import AuthCanceled, AuthProviderError

from integrations.spotify.http import spotify_http_session
from juke_auth.backends import JukeSpotifyOAuth2
from juke_auth.email_backends import ReadableConsoleEmailBackend
from juke_auth.models import MusicProfile
from juke_auth.services.social import SpotifySignInFailed, SpotifyUnavailable, spotify_error_classify
from juke_auth.throttles import AuthScopedRateThrottle
from spotify_stub.accounts import stub_user_id_for_code, stub_user_id_for_token

LINK = "http://127.0.0.1:5173/verify-user/?user_id=12&timestamp=1795480218&signature=JtHg2R-abc_def=="


def test_console_email_backend_prints_the_plain_text_body_with_the_link_intact():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        "Welcome to Juke! Please verify your Account",
        f"Welcome to Juke! Let's get listening.\nPlease verify your account by visiting:\n{LINK}\n",
        "juke@example.com",
        ["ada@example.com"],
    )
    message.attach_alternative(f'<a href="{LINK}">here</a>', "text/html")

    ReadableConsoleEmailBackend(stream=stream).send_messages([message])

    printed = stream.getvalue()
    assert LINK in printed.splitlines()
    assert "Subject: Welcome to Juke! Please verify your Account" in printed
    assert "To: ada@example.com" in printed
    assert "=3D" not in printed
    assert "<a href" not in printed


def test_connection_failures_timeouts_and_server_errors_classify_as_unavailable():
    backend = SimpleNamespace(name="spotify")
    for error in (
        AuthProviderError(backend, code="connection_failed"),
        AuthProviderError(backend, code="timeout"),
        AuthProviderError(backend, code="unavailable", status_code=503),
        AuthProviderError(backend, code="http_error", status_code=500),
    ):
        assert spotify_error_classify(error=error) is SpotifyUnavailable


def test_refusals_classify_as_sign_in_failed():
    backend = SimpleNamespace(name="spotify")
    for error in (AuthCanceled(backend), AuthProviderError(backend, code="http_error", status_code=400)):
        assert spotify_error_classify(error=error) is SpotifySignInFailed


def test_stub_spotify_user_is_derived_deterministically_from_the_token_or_code():
    assert stub_user_id_for_token("phone-token") == stub_user_id_for_token("phone-token")
    assert stub_user_id_for_token("phone-token") != stub_user_id_for_token("other-token")
    assert stub_user_id_for_token("stub-access-abc123.ffff") == "abc123"
    assert stub_user_id_for_code("code").startswith("stubuser")


def test_stub_me_endpoint_rejects_tokens_starting_with_invalid(settings):
    settings.SPOTIFY_USE_STUB_DATA = True
    session = spotify_http_session()

    rejected = session.get("https://api.spotify.com/v1/me", headers={"Authorization": "Bearer invalid-x"})
    accepted = session.get("https://api.spotify.com/v1/me", headers={"Authorization": "Bearer fine"})

    assert rejected.status_code == 401
    assert accepted.json()["id"] == stub_user_id_for_token("fine")


def test_stub_token_endpoint_exchanges_codes_and_refresh_tokens(settings):
    settings.SPOTIFY_USE_STUB_DATA = True
    session = spotify_http_session()
    url = "https://accounts.spotify.com/api/token"

    tokens = session.post(url, data={"grant_type": "authorization_code", "code": "abc"}).json()
    refreshed = session.post(url, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    refused = session.post(url, data={"grant_type": "authorization_code", "code": "invalid-abc"})

    assert stub_user_id_for_token(tokens["access_token"]) == stub_user_id_for_code("abc")
    assert refreshed.json()["access_token"].startswith(f"stub-access-{stub_user_id_for_code('abc')}.")
    assert refused.status_code == 400


def test_spotify_backend_redirect_uri_is_backend_url_plus_the_redirect_path(settings):
    settings.BACKEND_URL = "https://api.juke.example"
    settings.SPOTIFY_REDIRECT_PATH = "/api/v1/social-auth/complete/spotify/"
    backend = JukeSpotifyOAuth2(strategy=None, redirect_uri="http://wrong-host/complete/")

    assert backend.get_redirect_uri("state") == "https://api.juke.example/api/v1/social-auth/complete/spotify/"


@pytest.mark.parametrize("scope", ["auth-login", "auth-register", "auth-resend", "auth-password-reset"])
def test_throttle_rates_are_read_from_settings_when_requests_arrive(settings, scope):
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, scope: "7/min"}
    throttle = AuthScopedRateThrottle()
    throttle.scope = scope

    assert throttle.get_rate() == "7/min"
    assert throttle.parse_rate(throttle.get_rate()) == (7, 60)


@pytest.mark.parametrize(("genres", "top"), [(["jazz", "soul"], "jazz"), ([], None), ("jazz", None), ([3], None)])
def test_top_genre_is_the_first_favourite_genre_string(genres, top):
    assert MusicProfile(favorite_genres=genres).top_genre == top
