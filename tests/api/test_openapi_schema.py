"""The OpenAPI schema is generated without errors or warnings, and documents every API route."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_validates_with_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/accounts/register/",
        "/api/v1/auth/accounts/verify-registration/",
        "/api/v1/auth/accounts/resend-registration/",
        "/api/v1/auth/api-auth-token/",
        "/api/v1/auth/session/logout/",
        "/api/v1/auth/social-login/",
        "/api/v1/social-auth/login/{backend}/",
        "/api/v1/social-auth/complete/{backend}/",
        "/api/v1/users/",
        "/api/v1/users/me/",
        "/api/v1/music-profiles/me/",
        "/api/v1/music-profiles/search/",
        "/api/v1/music-profiles/{username}/",
        "/api/v1/genres/",
        "/api/v1/genres/featured/",
        "/api/v1/genres/refresh/",
        "/api/v1/artists/",
        "/api/v1/artists/{id}/",
        "/api/v1/albums/",
        "/api/v1/tracks/",
        "/api/v1/playback/play/",
        "/api/v1/playback/state/",
        "/api/v1/playback/devices/",
        "/api/v1/recommendations/",
        "/api/v1/recommendations/me/",
    ],
)
def test_each_client_facing_path_is_documented(api_client, path):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert path in schema["paths"]


def test_the_api_root_links_every_resource(api_client):
    links = api_client.get("/api/v1/").json()

    assert set(links) == {
        "users", "music-profiles", "genres", "artists", "albums", "tracks", "playback", "recommendations"
    }  # fmt: skip
