"""With the cache (Redis) down, playback still works: the last active device is only a hint (a real refused port)."""

import socket

import pytest
import responses
from responses import matchers

from tests.factories_playback import link_spotify, make_user

PLAYER = "https://api.spotify.com/v1/me/player"
TRACK_URI = "spotify:track:1IXGILkPm0tOCNeq00kCPa"
PLAYING = {
    "device": {"id": "laptop", "name": "Laptop", "type": "Computer", "is_active": True, "volume_percent": 50},
    "is_playing": True,
    "progress_ms": 10,
    "item": {"id": "1IXGILkPm0tOCNeq00kCPa", "uri": TRACK_URI, "name": "Song", "duration_ms": 1000},
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    with socket.socket() as probe:  # a port nobody listens on: connections are refused for real
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    settings.SPOTIFY_USE_STUB_DATA = False


def test_state_and_waking_a_device_work_without_the_cache(api_client, redis_down):
    api_client.force_authenticate(link_spotify(make_user(), access_token="tok").user)
    refusal = {"error": {"status": 404, "message": "No active device found", "reason": "NO_ACTIVE_DEVICE"}}
    with responses.RequestsMock() as spotify:
        spotify.put(f"{PLAYER}/play", status=404, json=refusal, match=[matchers.query_string_matcher("")])
        spotify.get(f"{PLAYER}/devices", json={"devices": [{"id": "laptop", "name": "Laptop", "type": "Computer"}]})
        spotify.put(f"{PLAYER}/play", status=204, match=[matchers.query_param_matcher({"device_id": "laptop"})])
        spotify.get(PLAYER, json=PLAYING)

        played = api_client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")
        state = api_client.get("/api/v1/playback/state/")

    assert played.status_code == 202, played.content
    assert played.json()["device"]["id"] == "laptop"
    assert state.status_code == 200
