"""Mobile "Sign in with Spotify": POST /api/v1/auth/social-login/ with a Spotify access token (contract §2.7)."""

import pytest
import requests
import responses
from social_django.models import UserSocialAuth

from juke_auth.models import JukeUser
from juke_auth.services.spotify_credentials import spotify_credentials_read
from spotify_stub.accounts import stub_user_id_for_token
from tests.factories_auth import UserFactory, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

SOCIAL_LOGIN = "/api/v1/auth/social-login/"
ME_URL = "https://api.spotify.com/v1/me"


def social_login(client, **body):
    return client.post(SOCIAL_LOGIN, body, format="json")


def test_social_login_with_any_token_in_stub_mode_creates_and_links_a_stub_spotify_account(api_client):
    response = social_login(api_client, access_token="my-phone-token")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"url", "username", "email", "groups", "is_active", "token"}
    assert body["is_active"] is True
    assert len(body["token"]) == 40
    social = UserSocialAuth.objects.get(provider="spotify")
    assert social.uid == stub_user_id_for_token("my-phone-token")
    assert social.user.username == body["username"]


def test_social_login_stores_the_access_token_for_playback(api_client):
    social_login(api_client, access_token="my-phone-token")

    extra = spotify_credentials_read(account=UserSocialAuth.objects.get(provider="spotify"))
    assert extra["access_token"] == "my-phone-token"
    assert "refresh_token" not in extra


def test_social_login_stores_a_refresh_token_when_one_is_given(api_client):
    social_login(api_client, access_token="my-phone-token", refresh_token="my-refresh")

    extra = spotify_credentials_read(account=UserSocialAuth.objects.get(provider="spotify"))
    assert extra["refresh_token"] == "my-refresh"


def test_social_login_without_a_refresh_token_keeps_the_stored_one(api_client):
    social_login(api_client, access_token="first", refresh_token="keep-me")

    social_login(api_client, access_token="first")

    extra = spotify_credentials_read(account=UserSocialAuth.objects.get(provider="spotify"))
    assert extra["refresh_token"] == "keep-me"


def test_the_same_spotify_token_signs_in_the_same_user_again_with_a_new_token(api_client):
    first = social_login(api_client, access_token="same").json()
    second = social_login(api_client, access_token="same").json()

    assert first["username"] == second["username"]
    assert first["token"] != second["token"]
    assert JukeUser.objects.count() == 1


def test_social_login_token_authenticates_requests(api_client):
    token = social_login(api_client, access_token="phone").json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api_client.get("/api/v1/music-profiles/me/").status_code == 200


def test_social_login_signs_in_the_user_already_linked_to_that_spotify_account(api_client):
    owner = UserFactory()
    UserSocialAuth.objects.create(
        user=owner, provider="spotify", uid=stub_user_id_for_token("owner-token"), extra_data={}
    )

    body = social_login(api_client, access_token="owner-token").json()

    assert body["username"] == owner.username
    assert body["email"] == owner.email


def test_social_login_without_access_token_is_400(api_client):
    response = social_login(api_client)

    assert response.status_code == 400
    assert response.json() == {"detail": "'access_token' is required."}


@pytest.mark.parametrize("value", ["", None, 42, ["x"]])
def test_social_login_with_a_blank_or_non_string_token_is_400(api_client, value):
    response = social_login(api_client, access_token=value)

    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


def test_social_login_with_a_token_spotify_rejects_is_400_with_a_detail(api_client):
    response = social_login(api_client, access_token="invalid-token")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert detail
    assert "invalid-token" not in detail
    assert not UserSocialAuth.objects.exists()


def test_social_login_answers_503_when_spotify_is_unreachable(api_client, settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, ME_URL, body=requests.ConnectionError("down"))

        response = social_login(api_client, access_token="phone")

    assert response.status_code == 503
    assert response.json() == {"detail": "Spotify authentication is temporarily unavailable. Please try again."}


def test_social_login_answers_503_when_spotify_times_out(api_client, settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, ME_URL, body=requests.Timeout("slow"))

        response = social_login(api_client, access_token="phone")

    assert response.status_code == 503


def test_social_login_sends_the_token_to_spotify_as_bearer(api_client, settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, ME_URL, json={"id": "realperson", "email": "real@example.com"})

        response = social_login(api_client, access_token="real-token")

        assert mock.calls[0].request.headers["Authorization"] == "Bearer real-token"
    assert response.status_code == 200
    assert UserSocialAuth.objects.get(uid="realperson").user.email == "real@example.com"


def test_social_login_is_throttled_with_retry_after(api_client, settings):
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-social-login": "2/min"}
    social_login(api_client)
    social_login(api_client)

    response = social_login(api_client)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_social_login_for_a_deactivated_linked_user_is_refused(api_client):
    owner = UserFactory(is_active=False)
    UserSocialAuth.objects.create(user=owner, provider="spotify", uid=stub_user_id_for_token("gone"))

    response = social_login(api_client, access_token="gone")

    assert response.status_code == 400


def test_social_login_is_refused_in_production_while_spotify_is_stubbed(api_client, settings):
    settings.JUKE_RUNTIME_ENV = "production"

    response = social_login(api_client, access_token="stub-access-someonesrealid.x")

    assert response.status_code == 503
    assert not UserSocialAuth.objects.exists()


def test_social_login_with_a_signed_in_users_token_links_spotify_to_that_user(api_client):
    user = UserFactory()
    client, _ = token_client(user)

    response = social_login(client, access_token="my-spotify-token")

    assert response.status_code == 200
    assert response.json()["username"] == user.username
    link = UserSocialAuth.objects.get(provider="spotify")
    assert link.user == user
    assert link.uid == stub_user_id_for_token("my-spotify-token")
    assert JukeUser.objects.count() == 1


def test_social_login_with_a_signed_in_user_takes_over_a_spotify_account_linked_elsewhere(api_client):
    social_login(api_client, access_token="shared-spotify-token")
    previous_owner = UserSocialAuth.objects.get(provider="spotify").user
    user = UserFactory()
    client, _ = token_client(user)

    social_login(client, access_token="shared-spotify-token")

    assert UserSocialAuth.objects.get(provider="spotify").user == user
    assert not UserSocialAuth.objects.filter(user=previous_owner).exists()


def test_social_login_with_an_invalid_token_header_is_refused_rather_than_creating_an_account(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = social_login(api_client, access_token="anything")

    assert response.status_code == 401
    assert not UserSocialAuth.objects.exists()


def test_an_unexpected_spotify_answer_is_a_json_503_and_logged_with_its_cause(api_client, settings, caplog):
    # Spotify answers 200 with a JSON array where an object belongs: social-core fails in a way it does not
    # classify (an AttributeError), which used to end in a bare 500.
    settings.SPOTIFY_USE_STUB_DATA = False
    with responses.RequestsMock() as spotify:
        spotify.add(responses.GET, ME_URL, json=["not", "a", "profile"], status=200)

        response = social_login(api_client, access_token="t")

    assert response.status_code == 503
    assert response.json() == {"detail": "Spotify authentication is temporarily unavailable. Please try again."}
    assert JukeUser.objects.count() == 0
    failure = next(record for record in caplog.records if "unexpectedly" in record.getMessage())
    assert failure.exc_info is not None
