"""Offline "Sign in with Spotify" in the browser: the stub authorize page stands in for Spotify's."""

from urllib.parse import parse_qs, urlsplit

import pytest
from social_django.models import UserSocialAuth

from juke_auth.services.spotify_credentials import spotify_credentials_read

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/api/v1/social-auth/complete/spotify/"


@pytest.fixture(autouse=True)
def _backend_is_the_test_server(settings):
    settings.BACKEND_URL = "http://testserver"


def _start(client) -> dict[str, str]:
    response = client.get("/api/v1/social-auth/login/spotify/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/api/v1/social-auth/stub/authorize/"
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def test_the_browser_flow_completes_offline_through_the_stub_authorize_page(client, settings):
    params = _start(client)

    form = client.get("/api/v1/social-auth/stub/authorize/", params)
    assert form.status_code == 200
    assert b"Authorize Juke" in form.content

    authorized = client.get("/api/v1/social-auth/stub/authorize/", {**params, "listener": "ada"})
    assert authorized.status_code == 302
    callback = urlsplit(authorized["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK

    completed = client.get(callback.path + "?" + callback.query)
    assert completed.status_code == 302
    assert completed["Location"].startswith(settings.FRONTEND_URL)
    link = UserSocialAuth.objects.get(provider="spotify")
    assert spotify_credentials_read(account=link)["access_token"].startswith("stub-access-")
    assert spotify_credentials_read(account=link)["refresh_token"].startswith("stub-refresh-")
    assert client.get("/api/v1/users/me/").json()["username"] == link.user.username


def test_the_same_listener_name_signs_in_the_same_account(client):
    for _ in range(2):
        params = _start(client)
        authorized = client.get("/api/v1/social-auth/stub/authorize/", {**params, "listener": "ada"})
        client.get(authorized["Location"].replace("http://testserver", ""))
        client.post("/api/v1/auth/session/logout/")

    assert UserSocialAuth.objects.filter(provider="spotify").count() == 1


def test_the_stub_page_refuses_a_foreign_redirect_uri(client):
    response = client.get(
        "/api/v1/social-auth/stub/authorize/", {"redirect_uri": "https://evil.example/cb", "state": "s"}
    )

    assert response.status_code == 400
    assert "redirect_uri" in response.json()["detail"]


def test_the_stub_page_refuses_a_malformed_listener_name(client):
    response = client.get(
        "/api/v1/social-auth/stub/authorize/", {"redirect_uri": CALLBACK, "state": "s", "listener": "<script>"}
    )

    assert response.status_code == 400


def test_the_stub_page_does_not_exist_when_real_spotify_is_used(client, settings):
    settings.SPOTIFY_USE_STUB_DATA = False

    response = client.get("/api/v1/social-auth/stub/authorize/", {"redirect_uri": CALLBACK, "state": "s"})

    assert response.status_code == 404
