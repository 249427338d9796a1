"""Login CSRF: the sign-in endpoints take no CSRF token (clients have none yet), so they accept only JSON.

A cross-site HTML form can send urlencoded or multipart bodies without a CORS preflight, and would sign the
victim's browser in to the attacker's account (whose Spotify link the victim might then connect). A JSON
body from another origin needs a preflight, which CORS refuses.
"""

import pytest

from tests.factories_auth import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/auth/api-auth-token/", {"username": "attacker", "password": PASSWORD}),
        ("/api/v1/auth/social-login/", {"access_token": "attacker-spotify-token"}),
    ],
)
@pytest.mark.parametrize("form_format", ["multipart", "urlencoded"])
def test_a_form_post_to_a_sign_in_endpoint_is_refused_and_starts_no_session(api_client, url, body, form_format):
    UserFactory(username="attacker")
    if form_format == "multipart":
        response = api_client.post(url, body, format="multipart")
    else:
        response = api_client.post(url, "&".join(f"{k}={v}" for k, v in body.items()),
                                   content_type="application/x-www-form-urlencoded")  # fmt: skip

    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]
    assert "sessionid" not in response.cookies


def test_a_json_sign_in_still_works(api_client):
    UserFactory(username="ada")

    response = api_client.post("/api/v1/auth/api-auth-token/", {"username": "ada", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert "sessionid" in response.cookies
