"""External mode when Spotify fails: never a 500 (API_CONTRACT 9.21). Spotify's real URLs answered by `responses`."""

import pytest
import requests
import responses
from django.core.cache import cache

from tests.factories_catalog import *  # noqa: F403 - fixtures: client_signed_in

pytestmark = pytest.mark.django_db

TOKEN_URL = "https://accounts.spotify.com/api/token"
SEARCH_URL = "https://api.spotify.com/v1/search"
TRACK_URL = "https://api.spotify.com/v1/tracks/4uLU6hMCjMI75M1A2tKUQC"


@pytest.fixture
def real_spotify(settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    settings.SOCIAL_AUTH_SPOTIFY_KEY = "test-client-id"
    settings.SOCIAL_AUTH_SPOTIFY_SECRET = "test-client-secret"
    settings.SPOTIFY_MAX_RETRIES = 2
    settings.SPOTIFY_RETRY_BACKOFF_SECONDS = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, TOKEN_URL, json={"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
        yield mock


def _error(status, message="boom"):
    return {"json": {"error": {"status": status, "message": message}}, "status": status}


@pytest.mark.parametrize(
    ("spotify_status", "expected"),
    [(500, 503), (502, 503), (503, 503), (504, 503), (429, 503), (400, 400), (401, 502), (403, 502), (418, 400)],
)
def test_spotify_errors_on_search_become_clear_api_errors(client_signed_in, real_spotify, spotify_status, expected):
    real_spotify.add(responses.GET, SEARCH_URL, headers={"Retry-After": "0"}, **_error(spotify_status))

    response = client_signed_in.get("/api/v1/tracks/", {"external": "true", "q": "love"})

    assert response.status_code == expected
    assert isinstance(response.json()["detail"], str)


def test_unknown_spotify_id_on_external_detail_is_404(client_signed_in, real_spotify):
    real_spotify.add(responses.GET, TRACK_URL, **_error(404, "Resource not found"))

    response = client_signed_in.get("/api/v1/tracks/4uLU6hMCjMI75M1A2tKUQC/", {"external": "true"})

    assert response.status_code == 404


def test_unreachable_spotify_is_503(client_signed_in, real_spotify):
    real_spotify.add(responses.GET, TRACK_URL, body=requests.ConnectionError("refused"))

    response = client_signed_in.get("/api/v1/tracks/4uLU6hMCjMI75M1A2tKUQC/", {"external": "true"})

    assert response.status_code == 503
    assert response.json() == {"detail": "Spotify is temporarily unavailable. Please try again."}


def test_malformed_spotify_answer_is_502(client_signed_in, real_spotify):
    real_spotify.add(responses.GET, TRACK_URL, json={"unexpected": True})

    response = client_signed_in.get("/api/v1/tracks/4uLU6hMCjMI75M1A2tKUQC/", {"external": "true"})

    assert response.status_code == 502


def test_a_transient_error_is_retried_and_the_request_succeeds(client_signed_in, real_spotify):
    real_spotify.add(responses.GET, SEARCH_URL, status=503, json={"error": {"status": 503, "message": "down"}})
    real_spotify.add(
        responses.GET,
        SEARCH_URL,
        json={"artists": {"items": [{"id": "a" * 22, "name": "Retried Artist"}], "total": 1, "limit": 10, "offset": 0}},
    )

    response = client_signed_in.get("/api/v1/artists/", {"external": "true", "q": "retried"})

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == ["Retried Artist"]


def test_spotify_failing_makes_featured_genres_partial_not_an_error(client_signed_in, real_spotify):
    cache.clear()
    real_spotify.add(responses.GET, SEARCH_URL, **_error(500))

    response = client_signed_in.get("/api/v1/genres/featured/")

    assert response.status_code == 200
    assert len(response.json()) == 20
    assert all(genre["top_artists"] == [] for genre in response.json())
    cache.clear()


def test_external_album_detail_fetches_every_page_of_tracks(client_signed_in, real_spotify):
    album_id = "A" * 22

    def track(number):
        return {"id": f"{number:022d}", "name": f"Track {number}", "track_number": number, "artists": []}

    real_spotify.add(
        responses.GET,
        f"https://api.spotify.com/v1/albums/{album_id}",
        json={"id": album_id, "name": "Long Album", "total_tracks": 60, "release_date": "2001-05",
              "tracks": {"items": [track(n) for n in range(1, 51)], "total": 60, "limit": 50, "offset": 0}},
    )  # fmt: skip
    real_spotify.add(
        responses.GET,
        f"https://api.spotify.com/v1/albums/{album_id}/tracks/",
        json={"items": [track(n) for n in range(51, 61)], "total": 60, "limit": 50, "offset": 50},
    )

    body = client_signed_in.get(f"/api/v1/albums/{album_id}/", {"external": "true"}).json()

    assert body["total_tracks"] == 60
    assert body["release_date"] == "2001-05-01"
    assert client_signed_in.get("/api/v1/tracks/", {"album": body["id"]}).json()["count"] == 60
