"""Hostile input never gets a 500 or a misleading 503: NUL bytes, odd digits, deep JSON, bad token headers.

NUL characters are what PostgreSQL refuses in text (and \\u0000 in jsonb), so these tests matter most there.
"""

import json

import pytest
from rest_framework.test import APIClient

from juke_auth.models import MusicProfile
from tests.factories_auth import UserFactory, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

ME = "/api/v1/music-profiles/me/"


@pytest.fixture
def client():
    user = UserFactory(username="ada")
    client, _ = token_client(user)
    return client


@pytest.mark.parametrize("resource", ["genres", "artists", "albums", "tracks"])
@pytest.mark.parametrize("param", ["q", "search"])
def test_catalog_search_with_a_nul_character_is_400(client, resource, param):
    response = client.get(f"/api/v1/{resource}/", {param: "a\x00b"})

    assert response.status_code == 400
    assert "NUL" in str(response.json())


@pytest.mark.parametrize(
    ("resource", "param"),
    [("artists", "genre"), ("albums", "artist"), ("albums", "genre"), ("tracks", "album"), ("tracks", "artist")],
)
def test_catalog_filter_with_a_nul_character_is_400(client, resource, param):
    response = client.get(f"/api/v1/{resource}/", {param: "x\x00"})

    assert response.status_code == 400
    assert param in response.json()


@pytest.mark.parametrize(
    ("resource", "param"),
    [("artists", "genre"), ("albums", "artist"), ("albums", "genre"), ("tracks", "album"), ("tracks", "artist")],
)
def test_catalog_filter_with_non_ascii_digits_is_an_empty_page_not_a_500(client, resource, param):
    # "²".isdigit() is True but int("²") fails: such a value is a (non-matching) spotify_id, not an id.
    response = client.get(f"/api/v1/{resource}/", {param: "²"})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_profile_search_with_a_nul_character_is_400(client):
    response = client.get("/api/v1/music-profiles/search/", {"q": "a\x00b"})

    assert response.status_code == 400
    assert "NUL" in response.json()["q"][0]


@pytest.mark.parametrize(
    "custom_data",
    [
        {"mood": "a\x00b"},
        {"a\x00b": "mood"},
        {"list": ["ok", {"deep": "\x00"}]},
        {"mood": "\ud800"},
    ],
)
def test_custom_data_with_text_the_database_cannot_store_is_400(client, custom_data):
    # Sent raw: the test client's own encoder refuses lone surrogates.
    body = json.dumps({"custom_data": custom_data})
    response = client.patch(ME, body, content_type="application/json")

    assert response.status_code == 400
    assert "custom_data" in response.json()
    assert MusicProfile.objects.get(user__username="ada").custom_data == {}


def test_custom_data_nested_too_deeply_is_400(client):
    nested: dict = {}
    for _ in range(40):
        nested = {"n": nested}

    response = client.patch(ME, {"custom_data": nested}, format="json")

    assert response.status_code == 400
    assert "nested" in response.json()["custom_data"][0]


def test_custom_data_as_onboarding_writes_it_is_still_accepted(client):
    data = {"hated_genres": ["metal"], "rainy_day_mood": "calm", "nested": {"ok": [1, 2, {"fine": True}]}}

    response = client.patch(ME, {"custom_data": data}, format="json")

    assert response.status_code == 200
    assert response.json()["custom_data"] == data


@pytest.mark.parametrize("url", [ME, "/api/v1/recommendations/", "/api/v1/playback/play/"])
@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 100_000 + "1" + "}" * 100_000])
def test_json_nested_beyond_the_parser_limit_is_400(client, url, body):
    method = client.patch if url == ME else client.post

    response = method(url, body, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


@pytest.mark.parametrize(
    "url", ["/api/v1/auth/api-auth-token/", "/api/v1/auth/accounts/register/", "/api/v1/auth/social-login/"]
)
def test_public_endpoints_refuse_deeply_nested_json_with_400(api_client, url):
    response = api_client.post(url, "[" * 100_000 + "]" * 100_000, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("key", ["\x00", "a\x00" + "b" * 38, "\x00" * 64])
def test_a_token_header_with_a_nul_character_is_401_invalid_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_body_over_the_upload_limit_is_413_with_a_json_detail(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"username": "x", "password": "' + "y" * 20_000 + '"}'

    response = api_client.post("/api/v1/auth/api-auth-token/", body, content_type="application/json")

    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
