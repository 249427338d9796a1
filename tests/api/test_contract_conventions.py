"""The contract's global conventions (API_CONTRACT.md section 1), checked across the API."""

import re

import pytest
from rest_framework.test import APIClient

from core.pagination import JukePagination
from tests.factories_auth import UserFactory, token_client
from tests.factories_catalog import TrackFactory

pytestmark = pytest.mark.django_db

ISO_UTC_MICROSECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


@pytest.mark.parametrize("path", ["/api/v1/tracks/", "/api/v1/music-profiles/me/", "/api/v1/playback/state/"])
def test_no_credentials_is_a_401_with_the_token_challenge(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_bearer_header_counts_as_no_credentials(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer " + "a" * 40)

    response = api_client.get("/api/v1/tracks/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_an_unknown_token_is_invalid(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "a" * 40)

    response = api_client.get("/api/v1/tracks/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_signed_in_user_without_permission_gets_the_contract_403():
    client, _ = token_client(UserFactory())

    response = client.post("/api/v1/genres/refresh/")

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}


def test_a_method_not_allowed_is_a_405_with_allow_header():
    client, _ = token_client(UserFactory())

    response = client.delete("/api/v1/tracks/")

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert "GET" in response["Allow"]


def test_a_get_without_the_trailing_slash_is_redirected_permanently():
    client, _ = token_client(UserFactory())

    response = client.get("/api/v1/tracks")

    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/tracks/")


def test_datetimes_are_iso_8601_utc_with_microseconds_and_z():
    client, _ = token_client(UserFactory())
    TrackFactory()

    item = client.get("/api/v1/tracks/").json()["results"][0]

    assert ISO_UTC_MICROSECONDS.match(item["created_at"]), item["created_at"]


def test_lists_default_to_pages_of_20_with_the_limit_offset_envelope():
    client, _ = token_client(UserFactory())
    TrackFactory.create_batch(21)

    body = client.get("/api/v1/tracks/").json()

    assert set(body) >= {"count", "next", "previous", "results"}
    assert (body["count"], len(body["results"]), body["previous"]) == (21, 20, None)
    assert "offset=20" in body["next"]


def test_hyperlinks_are_absolute_urls_built_from_the_request_host():
    client, _ = token_client(UserFactory())
    track = TrackFactory()

    item = client.get("/api/v1/tracks/", HTTP_HOST="localhost").json()["results"][0]

    assert item["url"] == f"http://localhost/api/v1/tracks/{track.pk}/"


def test_list_item_errors_are_keyed_by_index():
    client, _ = token_client(UserFactory())

    response = client.post(
        "/api/v1/recommendations/", {"artists": ["Queen"], "resource_types": ["genres"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["resource_types"]["0"] == ['"genres" is not a valid choice.']


def test_token_requests_are_csrf_exempt_but_cookie_requests_are_not():
    user = UserFactory()
    token, _ = token_client(user)
    assert token.patch("/api/v1/music-profiles/me/", {"tagline": "hi"}, format="json").status_code == 200

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.patch("/api/v1/music-profiles/me/", {"tagline": "hi"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_limit_above_the_maximum_is_served_as_the_maximum(monkeypatch):
    monkeypatch.setattr(JukePagination, "max_limit", 2)  # 500 in production; 2 keeps the test small
    client, _ = token_client(UserFactory())
    TrackFactory.create_batch(3)

    body = client.get("/api/v1/tracks/", {"limit": 10**9}).json()

    assert len(body["results"]) == 2
    assert "offset=2" in body["next"]
