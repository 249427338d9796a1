"""The Spotify catalog adapter against Spotify's real URLs answered by `responses` (stub mode off)."""

import pytest
import requests
import responses

from integrations.spotify.catalog import SpotipyCatalogClient
from integrations.spotify.errors import (
    SpotifyAuthError,
    SpotifyBadGateway,
    SpotifyBadRequest,
    SpotifyNotFound,
    SpotifyRateLimited,
    SpotifyUnavailable,
)

TOKEN_URL = "https://accounts.spotify.com/api/token"
ARTIST_URL = "https://api.spotify.com/v1/artists/0OdUWJ0sBjDrqHygGUXeCF"
ARTIST = {
    "id": "0OdUWJ0sBjDrqHygGUXeCF",
    "name": "Band of Horses",
    "uri": "spotify:artist:0OdUWJ0sBjDrqHygGUXeCF",
    "genres": ["indie folk"],
    "images": [{"url": "https://i.scdn.co/small", "width": 64}, {"url": "https://i.scdn.co/big", "width": 640}],
    "popularity": 59,
    "followers": {"total": 1000},
}


@pytest.fixture
def spotify(settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    settings.SOCIAL_AUTH_SPOTIFY_KEY = "unit-client-id"
    settings.SOCIAL_AUTH_SPOTIFY_SECRET = "unit-client-secret"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, TOKEN_URL, json={"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
        yield mock


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(spotify, sleeps):
    return SpotipyCatalogClient(max_retries=3, backoff_seconds=0.1, sleep=sleeps.append, timeout=1.5)


def _calls(mock, url):
    return [call for call in mock.calls if call.request.url.startswith(url)]


def test_get_artist_returns_a_dataclass_with_images_largest_first(client, spotify):
    spotify.add(responses.GET, ARTIST_URL, json=ARTIST)

    artist = client.get_artist(spotify_id=ARTIST["id"])

    assert artist.name == "Band of Horses"
    assert artist.images == ["https://i.scdn.co/big", "https://i.scdn.co/small"]
    assert artist.followers == 1000
    assert artist.genres == ["indie folk"]
    assert _calls(spotify, ARTIST_URL)[0].request.headers["Authorization"] == "Bearer tok"


def test_429_is_retried_after_the_retry_after_delay(client, spotify, sleeps):
    spotify.add(responses.GET, ARTIST_URL, status=429, headers={"Retry-After": "2"}, json={"error": {"status": 429}})
    spotify.add(responses.GET, ARTIST_URL, json=ARTIST)

    assert client.get_artist(spotify_id=ARTIST["id"]).id == ARTIST["id"]
    assert sleeps == [2.0]


def test_429_with_a_long_retry_after_gives_up_at_once(client, spotify, sleeps):
    spotify.add(responses.GET, ARTIST_URL, status=429, headers={"Retry-After": "3600"}, json={"error": {"status": 429}})

    with pytest.raises(SpotifyRateLimited) as caught:
        client.get_artist(spotify_id=ARTIST["id"])

    assert caught.value.retry_after == 3600
    assert sleeps == []


def test_5xx_is_retried_with_growing_backoff_then_reported_unavailable(client, spotify, sleeps):
    spotify.add(responses.GET, ARTIST_URL, status=502, json={"error": {"status": 502, "message": "bad gateway"}})

    with pytest.raises(SpotifyUnavailable):
        client.get_artist(spotify_id=ARTIST["id"])

    assert len(_calls(spotify, ARTIST_URL)) == 4  # 1 + 3 retries, and spotipy's own retries are off
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2]


def test_connection_errors_and_timeouts_are_retried_then_unavailable(client, spotify):
    spotify.add(responses.GET, ARTIST_URL, body=requests.ConnectTimeout("slow"))

    with pytest.raises(SpotifyUnavailable):
        client.get_artist(spotify_id=ARTIST["id"])

    assert len(_calls(spotify, ARTIST_URL)) == 4


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, SpotifyNotFound), (400, SpotifyBadRequest), (401, SpotifyAuthError), (403, SpotifyAuthError)],
)
def test_client_errors_are_mapped_and_not_retried(client, spotify, sleeps, status, error):
    spotify.add(responses.GET, ARTIST_URL, status=status, json={"error": {"status": status, "message": "nope"}})

    with pytest.raises(error) as caught:
        client.get_artist(spotify_id=ARTIST["id"])

    assert caught.value.message == "nope"
    assert sleeps == []
    assert len(_calls(spotify, ARTIST_URL)) == 1


def test_a_malformed_payload_is_a_bad_gateway(client, spotify):
    spotify.add(responses.GET, ARTIST_URL, json={"name": "no id"})

    with pytest.raises(SpotifyBadGateway):
        client.get_artist(spotify_id=ARTIST["id"])


def test_search_sends_query_type_limit_offset_and_parses_the_page(client, spotify):
    spotify.add(
        responses.GET,
        "https://api.spotify.com/v1/search",
        json={"tracks": {"items": [{"id": "t" * 22, "name": "Song", "album": {"id": "a" * 22, "name": "LP",
              "release_date": "1999", "release_date_precision": "year"}, "artists": [{"id": "b" * 22, "name": "B"}]}],
              "total": 31, "limit": 5, "offset": 10}},
    )  # fmt: skip

    page = client.search(kind="track", query="song", limit=5, offset=10)

    request = _calls(spotify, "https://api.spotify.com/v1/search")[0].request
    assert "q=song" in request.url
    assert "type=track" in request.url
    assert "limit=5" in request.url
    assert "offset=10" in request.url
    assert page.total == 31
    assert page.items[0].album.release_date == "1999"
    assert page.items[0].artists[0].name == "B"


AUDIO_FEATURES_URL = "https://api.spotify.com/v1/audio-features/"


def test_audio_features_are_returned_in_order_with_none_where_spotify_has_none(client, spotify):
    features = {"id": "a" * 22, "danceability": 0.5, "energy": 0.7, "tempo": 120.0}
    spotify.add(responses.GET, AUDIO_FEATURES_URL, json={"audio_features": [features, None]})

    result = client.get_audio_features(spotify_ids=["a" * 22, "b" * 22])

    assert result == [features, None]
    assert "ids=" + "a" * 22 + "," + "b" * 22 in _calls(spotify, AUDIO_FEATURES_URL)[0].request.url


def test_audio_features_refused_by_spotify_is_an_auth_error_for_the_caller_to_report(client, spotify):
    spotify.add(responses.GET, AUDIO_FEATURES_URL, status=403, json={"error": {"status": 403, "message": "Forbidden"}})

    with pytest.raises(SpotifyAuthError):
        client.get_audio_features(spotify_ids=["a" * 22])
