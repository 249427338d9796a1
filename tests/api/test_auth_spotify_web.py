"""Sign in with Spotify in the browser: the real social-auth redirect flow, Spotify faked at HTTP level.

The stub Spotify (spotify_stub) answers the token exchange and /v1/me in stub mode; error paths
switch stub mode off and answer Spotify's real URLs with `responses`.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.cache import cache
from rest_framework.test import APIClient
from social_django.models import UserSocialAuth

from juke_auth.models import JukeUser
from juke_auth.services.spotify_credentials import spotify_credentials_read
from spotify_stub.accounts import stub_user_id_for_code
from tests.factories_auth import PASSWORD, UserFactory, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

START = "/api/v1/social-auth/login/spotify/"
COMPLETE = "/api/v1/social-auth/complete/spotify/"
TOKEN_URL = "https://accounts.spotify.com/api/token"
ME_URL = "https://api.spotify.com/v1/me"


def start(client) -> str:
    """Start the flow; return the state Spotify would echo back."""
    response = client.get(START)
    assert response.status_code == 302, response.content
    return parse_qs(urlsplit(response["Location"]).query)["state"][0]


def complete(client, state, code="good-code", **headers):
    return client.get(COMPLETE, {"code": code, "state": state}, **headers)


def sign_in_session(client, user):
    assert (
        client.post(
            "/api/v1/auth/api-auth-token/", {"username": user.username, "password": PASSWORD}, format="json"
        ).status_code
        == 200
    )


def test_start_redirects_to_spotify_authorize_with_client_id_scopes_state_and_configured_redirect_uri(
    api_client, settings
):
    settings.SPOTIFY_USE_STUB_DATA = False  # with real credentials; stub mode uses the offline authorize page

    response = api_client.get(START)

    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://accounts.spotify.com/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == [settings.SOCIAL_AUTH_SPOTIFY_KEY]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [f"{settings.BACKEND_URL}/api/v1/social-auth/complete/spotify/"]
    assert query["scope"][0].split(" ") == [
        "user-read-playback-state",
        "user-read-currently-playing",
        "user-modify-playback-state",
        "user-read-recently-played",
        "user-top-read",
        "user-library-read",
    ]
    assert query["state"][0]


def test_start_caches_the_state_with_the_signed_in_user_for_the_configured_ttl(api_client, settings):
    user = UserFactory()
    sign_in_session(api_client, user)

    state = start(api_client)

    assert cache.get(f"social-state:spotify:{state}")["user_id"] == user.pk
    assert settings.SOCIAL_AUTH_STATE_CACHE_TTL == 600


def test_start_for_an_unknown_provider_is_404(api_client):
    assert api_client.get("/api/v1/social-auth/login/myspace/").status_code == 404


def test_complete_creates_a_linked_user_logs_in_and_redirects_to_the_frontend(api_client, settings):
    state = start(api_client)

    response = complete(api_client, state, code="new-listener")

    assert response.status_code == 302
    assert response["Location"].rstrip("/") == settings.FRONTEND_URL
    social = UserSocialAuth.objects.get(provider="spotify")
    assert social.uid == stub_user_id_for_code("new-listener")
    assert social.user.username == social.uid
    assert api_client.get("/api/v1/music-profiles/me/").status_code == 200


def test_complete_stores_access_refresh_token_and_expiry_in_extra_data(api_client):
    state = start(api_client)

    complete(api_client, state, code="tokens")

    extra = spotify_credentials_read(account=UserSocialAuth.objects.get(provider="spotify"))
    assert extra["access_token"].startswith("stub-access-")
    assert extra["refresh_token"].startswith("stub-refresh-")
    assert extra["expires"] == 3600
    assert extra["token_type"] == "Bearer"
    assert isinstance(extra["auth_time"], int)


def test_complete_signs_in_the_already_linked_user_when_nobody_is_signed_in(api_client):
    owner = UserFactory()
    UserSocialAuth.objects.create(user=owner, provider="spotify", uid=stub_user_id_for_code("mine"))
    state = start(api_client)

    complete(api_client, state, code="mine")

    assert api_client.get("/api/v1/users/me/").json()["username"] == owner.username
    assert JukeUser.objects.count() == 1


def test_a_signed_in_user_connecting_spotify_links_it_to_their_account(api_client):
    user = UserFactory()
    sign_in_session(api_client, user)
    state = start(api_client)

    response = complete(api_client, state, code="connect")

    assert response.status_code == 302
    assert UserSocialAuth.objects.get(provider="spotify").user == user
    assert JukeUser.objects.count() == 1


def test_relink_moves_a_spotify_account_from_another_user_to_the_signed_in_user(api_client):
    previous_owner = UserFactory()
    UserSocialAuth.objects.create(user=previous_owner, provider="spotify", uid=stub_user_id_for_code("shared"))
    user = UserFactory()
    sign_in_session(api_client, user)
    state = start(api_client)

    response = complete(api_client, state, code="shared")

    assert response.status_code == 302
    assert "error" not in response["Location"]
    social = UserSocialAuth.objects.get(provider="spotify")
    assert social.user == user
    assert social.extra_data["access_token"]


def test_state_is_restored_from_the_cache_when_the_callback_lost_the_session(client_pair):
    starter, callback_browser = client_pair
    user = UserFactory()
    sign_in_session(starter, user)
    state = start(starter)

    response = complete(callback_browser, state, code="webview")

    assert response.status_code == 302
    assert "error" not in response["Location"]
    assert UserSocialAuth.objects.get(provider="spotify").user == user
    assert callback_browser.get("/api/v1/users/me/").json()["username"] == user.username


def test_a_cached_state_works_only_once(client_pair):
    starter, callback_browser = client_pair
    state = start(starter)
    complete(callback_browser, state, code="once")

    response = complete(APIClient(), state, code="once")

    assert response["Location"].endswith("/login?error=spotify_auth_failed")


def test_callback_without_session_or_cached_state_fails_as_auth_failed(api_client, settings):
    response = complete(api_client, "made-up-state")

    assert response.status_code == 302
    assert response["Location"] == f"{settings.FRONTEND_URL}/login?error=spotify_auth_failed"


def test_callback_with_a_mismatched_state_fails_as_auth_failed(api_client, settings):
    start(api_client)

    response = complete(api_client, "another-state")

    assert response["Location"] == f"{settings.FRONTEND_URL}/login?error=spotify_auth_failed"


def test_rejected_authorization_code_redirects_with_spotify_auth_failed(api_client, settings):
    state = start(api_client)

    response = complete(api_client, state, code="invalid-code")

    assert response.status_code == 302
    assert response["Location"] == f"{settings.FRONTEND_URL}/login?error=spotify_auth_failed"
    assert not UserSocialAuth.objects.exists()


def test_rejected_authorization_code_answers_json_400_when_json_is_accepted(api_client):
    state = start(api_client)

    response = complete(api_client, state, code="invalid-code", HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Spotify authentication failed. Please try again.",
        "error": "spotify_auth_failed",
    }


def test_user_refusing_on_spotify_redirects_with_spotify_auth_failed(api_client, settings):
    state = start(api_client)

    response = api_client.get(COMPLETE, {"error": "access_denied", "state": state})

    assert response["Location"] == f"{settings.FRONTEND_URL}/login?error=spotify_auth_failed"


@pytest.fixture
def real_spotify(settings):
    """Stub mode off: our Spotify session talks to Spotify's real URLs, which `responses` answers."""
    settings.SPOTIFY_USE_STUB_DATA = False
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_spotify_unreachable_redirects_with_spotify_unavailable(api_client, settings, real_spotify):
    state = start(api_client)
    real_spotify.add(responses.POST, TOKEN_URL, body=requests.ConnectionError("no route to host"))

    response = complete(api_client, state)

    assert response.status_code == 302
    assert response["Location"] == f"{settings.FRONTEND_URL}/login?error=spotify_unavailable"


def test_spotify_timeout_answers_json_503_when_json_is_accepted(api_client, real_spotify):
    state = start(api_client)
    real_spotify.add(responses.POST, TOKEN_URL, body=requests.Timeout("slow"))

    response = complete(api_client, state, HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert response.json() == {
        "detail": "Spotify authentication is temporarily unavailable. Please try again.",
        "error": "spotify_unavailable",
    }


def test_spotify_server_error_on_profile_lookup_counts_as_unavailable(api_client, settings, real_spotify):
    state = start(api_client)
    real_spotify.add(
        responses.POST,
        TOKEN_URL,
        json={
            "access_token": "real-access",
            "refresh_token": "real-refresh",
            "expires_in": 3600,
            "token_type": "Bearer",
        },
    )
    real_spotify.add(responses.GET, ME_URL, status=502, json={"error": {"status": 502, "message": "Bad gateway"}})

    response = complete(api_client, state)

    assert response["Location"] == f"{settings.FRONTEND_URL}/login?error=spotify_unavailable"


def test_real_token_exchange_and_profile_lookup_are_sent_to_spotify(api_client, real_spotify):
    state = start(api_client)
    real_spotify.add(
        responses.POST,
        TOKEN_URL,
        json={
            "access_token": "real-access",
            "refresh_token": "real-refresh",
            "expires_in": 3600,
            "token_type": "Bearer",
        },
    )
    real_spotify.add(responses.GET, ME_URL, json={"id": "realuser", "display_name": "Real", "email": "r@example.com"})

    response = complete(api_client, state, code="the-code")

    assert response.status_code == 302
    token_call = real_spotify.calls[0].request
    assert "code=the-code" in token_call.body
    assert "grant_type=authorization_code" in token_call.body
    assert real_spotify.calls[1].request.headers["Authorization"] == "Bearer real-access"
    social = UserSocialAuth.objects.get(provider="spotify", uid="realuser")
    assert spotify_credentials_read(account=social)["refresh_token"] == "real-refresh"
    assert social.user.email == "r@example.com"


def test_a_spotify_email_already_used_by_another_account_is_not_attached(api_client, real_spotify):
    UserFactory(email="taken@example.com")
    state = start(api_client)
    real_spotify.add(responses.POST, TOKEN_URL, json={"access_token": "a", "expires_in": 3600, "token_type": "Bearer"})
    real_spotify.add(responses.GET, ME_URL, json={"id": "someone", "email": "TAKEN@example.com"})

    response = complete(api_client, state)

    assert response.status_code == 302
    assert "error" not in response["Location"]
    assert UserSocialAuth.objects.get(uid="someone").user.email is None


@pytest.fixture
def client_pair():
    return APIClient(), APIClient()


def test_disconnect_unlinks_spotify_from_a_user_with_a_password(db):
    user = UserFactory()
    UserSocialAuth.objects.create(user=user, provider="spotify", uid="someone", id_key="id")
    client, _ = token_client(user)

    response = client.post("/api/v1/social-auth/disconnect/spotify/")

    assert response.status_code == 204
    assert not UserSocialAuth.objects.exists()


def test_disconnect_from_a_browser_session_redirects_to_the_web_app(client, settings):
    user = UserFactory()
    UserSocialAuth.objects.create(user=user, provider="spotify", uid="someone", id_key="id")
    client.force_login(user)

    response = client.post("/api/v1/social-auth/disconnect/spotify/")

    assert response.status_code == 302
    assert response["Location"].startswith(settings.FRONTEND_URL)
    assert not UserSocialAuth.objects.exists()


def test_disconnect_is_refused_when_spotify_is_the_only_way_to_sign_in(db):
    user = UserFactory(password=None)
    user.set_unusable_password()
    user.save()
    UserSocialAuth.objects.create(user=user, provider="spotify", uid="someone", id_key="id")
    client, _ = token_client(user)

    response = client.post("/api/v1/social-auth/disconnect/spotify/")

    assert response.status_code == 400
    assert UserSocialAuth.objects.exists()


def test_disconnect_needs_a_signed_in_user(api_client):
    assert api_client.post("/api/v1/social-auth/disconnect/spotify/").status_code == 401


def test_disconnect_answers_204_to_a_token_client_and_playback_then_asks_to_link(db):
    user = UserFactory()
    user.set_password("a-Strong-password-1")
    user.save()
    client, _ = token_client(user)
    client.post("/api/v1/auth/social-login/", {"access_token": "to-unlink"}, format="json")
    assert UserSocialAuth.objects.filter(user=user).exists()

    response = client.post("/api/v1/social-auth/disconnect/spotify/")

    assert response.status_code == 204
    assert not UserSocialAuth.objects.filter(user=user).exists()
    playback = client.post("/api/v1/playback/pause/", {}, format="json")
    assert playback.status_code == 400
    assert "Link a streaming account" in playback.json()["detail"]


def test_an_unexpected_failure_at_complete_redirects_to_login_with_auth_failed(
    api_client, settings, real_spotify, caplog
):
    state = start(api_client)
    real_spotify.add(responses.POST, TOKEN_URL, json={"access_token": "a", "expires_in": 3600, "token_type": "Bearer"})
    real_spotify.add(responses.GET, ME_URL, json=["not", "a", "profile"])  # social-core does not classify this

    response = complete(api_client, state)

    assert response.status_code == 302
    assert response["Location"] == f"{settings.FRONTEND_URL}/login?error=spotify_auth_failed"
    failure = next(record for record in caplog.records if "unexpectedly" in record.getMessage())
    assert failure.exc_info is not None


def test_an_unexpected_failure_at_complete_answers_json_400_when_json_is_accepted(api_client, real_spotify):
    state = start(api_client)
    real_spotify.add(responses.POST, TOKEN_URL, json={"access_token": "a", "expires_in": 3600, "token_type": "Bearer"})
    real_spotify.add(responses.GET, ME_URL, json=["not", "a", "profile"])  # social-core does not classify this

    response = complete(api_client, state, HTTP_ACCEPT="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Spotify authentication failed. Please try again.",
        "error": "spotify_auth_failed",
    }
