"""The Spotify player adapter: request building, payload parsing and error mapping (HTTP faked, no DB)."""

import pytest
import requests
import responses
from responses import matchers

from integrations.spotify.errors import SpotifyAuthError, SpotifyBadGateway, SpotifyRateLimited, SpotifyUnavailable
from integrations.spotify.player import SpotifyPlayerClient, SpotifyPlayerCommandRefused
from integrations.spotify.tokens import spotify_access_token_refresh

PLAYER = "https://api.spotify.com/v1/me/player"
TOKEN = "https://accounts.spotify.com/api/token"


@pytest.fixture(autouse=True)
def spotify_off(settings):
    settings.SPOTIFY_USE_STUB_DATA = False


@pytest.fixture
def spotify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def client():
    return SpotifyPlayerClient(access_token="tok")


def test_an_episode_uses_its_show_for_album_and_artwork(spotify, client):
    spotify.get(
        PLAYER,
        json={
            "is_playing": False,
            "progress_ms": None,
            "currently_playing_type": "episode",
            "device": None,
            "item": {
                "id": "ep1",
                "uri": "spotify:episode:ep1",
                "name": "Episode",
                "duration_ms": 1000,
                "show": {"id": "sh1", "uri": "spotify:show:sh1", "name": "Show", "images": [{"url": "https://img/s"}]},
            },
        },
    )

    state = client.get_playback_state()

    assert state.progress_ms == 0
    assert state.track.album.name == "Show"
    assert state.track.artwork_url == "https://img/s"
    assert state.track.artists == []
    assert state.device is None


def test_idle_player_and_missing_devices_read_as_nothing(spotify, client):
    spotify.get(PLAYER, status=204)
    spotify.get(f"{PLAYER}/devices", status=404, json={"error": {"status": 404, "message": "Not found"}})

    assert client.get_playback_state() is None
    assert client.get_devices() == []


def test_device_ids_are_url_encoded(spotify, client):
    spotify.put(f"{PLAYER}/pause", status=204, match=[matchers.query_param_matcher({"device_id": "a&b c"})])

    client.pause_playback(device_id="a&b c")

    assert "device_id=a%26b%20c" in spotify.calls[0].request.url


def test_play_a_context_sends_context_uri_only(spotify, client):
    spotify.put(
        f"{PLAYER}/play",
        status=204,
        match=[matchers.json_params_matcher({"context_uri": "spotify:album:4QxzbfSsVryEQwvPFEV5Iu"})],
    )

    client.start_playback(context_uri="spotify:album:4QxzbfSsVryEQwvPFEV5Iu")

    assert len(spotify.calls) == 1


def test_transfer_and_queue_build_spotifys_requests(spotify, client):
    spotify.put(PLAYER, status=204, match=[matchers.json_params_matcher({"device_ids": ["d2"], "play": False})])
    spotify.post(
        f"{PLAYER}/queue",
        status=204,
        match=[matchers.query_param_matcher({"uri": "spotify:track:1IXGILkPm0tOCNeq00kCPa"})],
    )

    client.transfer_playback(device_id="d2", play=False)
    client.add_to_queue(uri="spotify:track:1IXGILkPm0tOCNeq00kCPa")

    assert len(spotify.calls) == 2


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, {"error": {"status": 401, "message": "The access token expired"}}, SpotifyAuthError),
        (
            403,
            {"error": {"status": 403, "message": "Player command failed: Premium required"}},
            SpotifyPlayerCommandRefused,
        ),
        (404, {"error": {"status": 404, "message": "Device not found"}}, SpotifyPlayerCommandRefused),
        (429, {"error": {"status": 429, "message": "API rate limit exceeded"}}, SpotifyRateLimited),
        (500, {"error": {"status": 500, "message": "Server error"}}, SpotifyUnavailable),
        (418, {"error": {"status": 418, "message": "?"}}, SpotifyBadGateway),
    ],
)
def test_http_failures_map_to_the_shared_errors(spotify, client, status, body, expected):
    spotify.post(f"{PLAYER}/next", status=status, json=body)

    with pytest.raises(expected):
        client.skip_to_next()


def test_a_refusal_carries_spotifys_message_and_reason(spotify, client):
    spotify.put(
        f"{PLAYER}/play",
        status=403,
        json={
            "error": {"status": 403, "message": "Player command failed: Premium required", "reason": "PREMIUM_REQUIRED"}
        },
    )

    with pytest.raises(SpotifyPlayerCommandRefused) as caught:
        client.start_playback(track_uri="spotify:track:1IXGILkPm0tOCNeq00kCPa")

    assert caught.value.spotify_message == "Player command failed: Premium required"
    assert caught.value.reason == "PREMIUM_REQUIRED"
    assert caught.value.status_code == 403


def test_server_errors_are_not_retried(spotify, client):
    spotify.get(PLAYER, status=503, body="")

    with pytest.raises(SpotifyUnavailable):
        client.get_playback_state()

    assert len(spotify.calls) == 1


def test_rate_limit_keeps_spotifys_retry_after(spotify, client):
    spotify.get(PLAYER, status=429, headers={"Retry-After": "12"}, json={"error": {"status": 429, "message": "slow"}})

    with pytest.raises(SpotifyRateLimited) as caught:
        client.get_playback_state()

    assert caught.value.retry_after == 12.0


def test_timeouts_become_unavailable(spotify, client):
    spotify.get(PLAYER, body=requests.ConnectTimeout("slow"))

    with pytest.raises(SpotifyUnavailable):
        client.get_playback_state()


def test_refresh_grant_posts_the_refresh_token_with_app_credentials(spotify):
    spotify.post(
        TOKEN,
        json={"access_token": "new", "token_type": "Bearer", "expires_in": 3600, "scope": "s"},
        match=[matchers.urlencoded_params_matcher({"grant_type": "refresh_token", "refresh_token": "r1"})],
    )

    grant = spotify_access_token_refresh(refresh_token="r1")

    assert grant.access_token == "new"
    assert grant.expires_in == 3600
    assert grant.refresh_token is None
    assert spotify.calls[0].request.headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("status", "expected"), [(400, SpotifyAuthError), (401, SpotifyAuthError), (503, SpotifyUnavailable)]
)
def test_refresh_failures_map_to_the_shared_errors(spotify, status, expected):
    spotify.post(TOKEN, status=status, json={"error": "invalid_grant", "error_description": "Refresh token revoked"})

    with pytest.raises(expected):
        spotify_access_token_refresh(refresh_token="r1")
