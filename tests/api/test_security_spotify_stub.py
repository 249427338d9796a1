"""In production, stub Spotify (on whenever no Spotify credentials are configured) never signs anyone in.

The stub accepts any authorization code, so a browser sign-in through it would create or sign in accounts
without Spotify (and without e-mail verification). The token path (social-login) already refuses; the
browser redirect flow must too.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from juke_auth.models import JukeUser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

COMPLETE = "/api/v1/social-auth/complete/spotify/"


@pytest.fixture
def stubbed_production(settings):
    settings.SPOTIFY_USE_STUB_DATA = True
    settings.JUKE_RUNTIME_ENV = "production"
    return settings


def test_start_in_production_with_stub_spotify_is_unavailable(api_client, stubbed_production):
    response = api_client.get("/api/v1/social-auth/login/spotify/", HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert response.json()["error"] == "spotify_unavailable"


def test_the_stub_authorize_page_is_not_served_in_production(api_client, stubbed_production):
    redirect_uri = f"{stubbed_production.BACKEND_URL}{stubbed_production.SPOTIFY_REDIRECT_PATH}"

    response = api_client.get(
        "/api/v1/social-auth/stub/authorize/", {"redirect_uri": redirect_uri, "state": "s", "listener": "x"}
    )

    assert response.status_code == 404


def test_completing_with_a_stub_code_in_production_signs_nobody_in(api_client, settings):
    settings.SPOTIFY_USE_STUB_DATA = True
    started = api_client.get("/api/v1/social-auth/login/spotify/")  # started before the switch to production
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    settings.JUKE_RUNTIME_ENV = "production"

    response = api_client.get(COMPLETE, {"code": "stub-code-listener", "state": state})

    assert response.status_code == 302
    assert response["Location"].endswith("/login?error=spotify_unavailable")
    assert not JukeUser.objects.exists()
    assert "_auth_user_id" not in api_client.session
