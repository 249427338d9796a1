"""Playback against Spotify's real URLs (stub off), faked with `responses`: tokens, refusals, outages."""

import time
import uuid

import pytest
import requests
import responses
from django.contrib.auth import get_user_model
from responses import matchers
from social_django.models import UserSocialAuth

from juke_auth.services.spotify_credentials import spotify_credentials_read

PLAYER = "https://api.spotify.com/v1/me/player"
TOKEN = "https://accounts.spotify.com/api/token"
TRACK_URI = "spotify:track:1IXGILkPm0tOCNeq00kCPa"

pytestmark = pytest.mark.django_db

PLAYBACK = {
    "device": {
        "id": "dev1",
        "is_active": True,
        "is_private_session": False,
        "is_restricted": False,
        "name": "Kitchen",
        "type": "Speaker",
        "volume_percent": 40,
        "supports_volume": True,
    },
    "repeat_state": "off",
    "shuffle_state": False,
    "context": None,
    "timestamp": 1,
    "progress_ms": 1234,
    "is_playing": True,
    "item": {
        "id": "1IXGILkPm0tOCNeq00kCPa",
        "uri": TRACK_URI,
        "name": "If I Can't Have You - Gryffin Remix",
        "duration_ms": 253040,
        "album": {
            "id": "4QxzbfSsVryEQwvPFEV5Iu",
            "uri": "spotify:album:4QxzbfSsVryEQwvPFEV5Iu",
            "name": "If I Can't Have You (Gryffin Remix)",
            "images": [{"url": "https://i.scdn.co/image/a", "height": 640, "width": 640}],
        },
        "artists": [{"id": "2C2sVVXanbOpymYBMpsi89", "uri": "spotify:artist:2C2sVVXanbOpymYBMpsi89", "name": "Shawn"}],
    },
    "currently_playing_type": "track",
}


def spotify_error(status: int, message: str, reason: str | None = None) -> dict:
    body = {"status": status, "message": message}
    if reason:
        body["reason"] = reason
    return {"error": body}


@pytest.fixture(autouse=True)
def spotify_off(settings):
    settings.SPOTIFY_USE_STUB_DATA = False


@pytest.fixture
def spotify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_account(api_client, **extra) -> UserSocialAuth:
    user = get_user_model().objects.create_user(username=f"u{uuid.uuid4().hex[:10]}", password="pw-x9!kq")
    extra_data = {
        "access_token": "old-access",
        "refresh_token": "the-refresh",
        "expires": 3600,
        "auth_time": int(time.time()),
        "token_type": "Bearer",
    }
    extra_data.update(extra)
    extra_data = {key: value for key, value in extra_data.items() if value is not None}
    api_client.force_authenticate(user)
    return UserSocialAuth.objects.create(
        user=user, provider="spotify", uid=f"sp{uuid.uuid4().hex[:8]}", extra_data=extra_data
    )


def bearer(call) -> str:
    return call.request.headers["Authorization"]


def test_state_is_read_with_the_users_token_and_normalised(api_client, spotify):
    make_account(api_client)
    spotify.get(PLAYER, json=PLAYBACK)

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 200
    body = response.json()
    assert body["track"]["album"]["artwork_url"] == "https://i.scdn.co/image/a"
    assert body["track"]["artwork_url"] == "https://i.scdn.co/image/a"
    assert body["device"]["name"] == "Kitchen"
    assert body["progress_ms"] == 1234
    assert bearer(spotify.calls[0]) == "Bearer old-access"


@pytest.mark.parametrize("answer", [{"status": 204}, {"status": 404, "json": spotify_error(404, "Not found")}])
def test_state_is_204_when_spotify_reports_no_playback(api_client, spotify, answer):
    make_account(api_client)
    spotify.get(PLAYER, **answer)

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 204
    assert response.content == b""


def test_play_sends_spotifys_body_and_device_then_answers_202(api_client, spotify):
    make_account(api_client)
    spotify.put(
        f"{PLAYER}/play",
        status=204,
        match=[
            matchers.query_param_matcher({"device_id": "dev1"}),
            matchers.json_params_matcher({"uris": [TRACK_URI], "position_ms": 5000}),
        ],
    )
    spotify.get(PLAYER, json=PLAYBACK)

    response = api_client.post(
        "/api/v1/playback/play/", {"device_id": "dev1", "track_uri": TRACK_URI, "position_ms": 5000}, format="json"
    )

    assert response.status_code == 202, response.content
    assert response.json()["track"]["uri"] == TRACK_URI


def test_a_command_with_no_playback_afterwards_answers_204(api_client, spotify):
    make_account(api_client)
    spotify.post(f"{PLAYER}/next", status=204)
    spotify.get(PLAYER, status=204)

    response = api_client.post("/api/v1/playback/next/", {}, format="json")

    assert response.status_code == 204
    assert response.content == b""


def test_a_401_refreshes_once_stores_the_token_and_retries(api_client, spotify):
    account = make_account(api_client)
    spotify.get(PLAYER, status=401, json=spotify_error(401, "The access token expired"))
    spotify.get(PLAYER, json=PLAYBACK)
    spotify.post(
        TOKEN,
        json={"access_token": "new-access", "token_type": "Bearer", "expires_in": 3600},
        match=[matchers.urlencoded_params_matcher({"grant_type": "refresh_token", "refresh_token": "the-refresh"})],
    )

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 200
    player_calls = [call for call in spotify.calls if call.request.url.startswith(PLAYER)]
    assert [bearer(call) for call in player_calls] == ["Bearer old-access", "Bearer new-access"]
    account.refresh_from_db()
    assert spotify_credentials_read(account=account)["access_token"] == "new-access"
    assert spotify_credentials_read(account=account)["refresh_token"] == "the-refresh"
    assert spotify_credentials_read(account=account)["expires"] == 3600
    assert abs(spotify_credentials_read(account=account)["auth_time"] - time.time()) < 5


def test_a_rotated_refresh_token_is_stored(api_client, spotify):
    account = make_account(api_client, auth_time=int(time.time()) - 4000)
    spotify.post(TOKEN, json={"access_token": "new-access", "expires_in": 3600, "refresh_token": "rotated"})
    spotify.get(PLAYER, json=PLAYBACK)

    assert api_client.get("/api/v1/playback/state/").status_code == 200
    account.refresh_from_db()
    assert spotify_credentials_read(account=account)["refresh_token"] == "rotated"


def test_a_token_about_to_expire_is_refreshed_before_the_call(api_client, spotify):
    make_account(api_client, auth_time=int(time.time()) - 3590)
    spotify.post(TOKEN, json={"access_token": "fresh", "expires_in": 3600})
    spotify.get(PLAYER, json=PLAYBACK)

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 200
    assert spotify.calls[0].request.url == TOKEN
    assert bearer(spotify.calls[1]) == "Bearer fresh"


def test_a_refused_refresh_asks_to_reconnect(api_client, spotify):
    make_account(api_client)
    spotify.get(PLAYER, status=401, json=spotify_error(401, "The access token expired"))
    spotify.post(TOKEN, status=400, json={"error": "invalid_grant", "error_description": "Refresh token revoked"})

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 400
    assert response.json()["detail"] == "Spotify authentication expired. Please reconnect your account."
    assert response.json()["code"] == "reauthentication_required"


def test_a_second_401_after_refreshing_asks_to_reconnect_without_looping(api_client, spotify):
    make_account(api_client)
    spotify.get(PLAYER, status=401, json=spotify_error(401, "Invalid access token"))
    spotify.post(TOKEN, json={"access_token": "new-access", "expires_in": 3600})

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 400
    assert response.json()["detail"] == "Spotify authentication expired. Please reconnect your account."
    assert [call.request.url for call in spotify.calls].count(TOKEN) == 1
    assert len(spotify.calls) == 3


def test_a_401_without_a_refresh_token_says_it_is_missing(api_client, spotify):
    make_account(api_client, refresh_token=None)
    spotify.get(PLAYER, status=401, json=spotify_error(401, "The access token expired"))

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 400
    assert response.json()["detail"] == "Spotify authentication is missing a refresh token."


def test_premium_required_passes_spotifys_message_and_reason_on(api_client, spotify):
    make_account(api_client)
    spotify.put(
        f"{PLAYER}/play",
        status=403,
        json=spotify_error(403, "Player command failed: Premium required", "PREMIUM_REQUIRED"),
    )

    response = api_client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Player command failed: Premium required",
        "code": "provider_refused",
        "reason": "PREMIUM_REQUIRED",
    }


def test_no_active_device_passes_spotifys_message_and_reason_on(api_client, spotify):
    make_account(api_client)
    spotify.put(
        f"{PLAYER}/pause",
        status=404,
        json=spotify_error(404, "Player command failed: No active device found", "NO_ACTIVE_DEVICE"),
    )

    response = api_client.post("/api/v1/playback/pause/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Player command failed: No active device found"
    assert response.json()["reason"] == "NO_ACTIVE_DEVICE"


def test_a_refusal_without_a_message_gets_the_generic_one(api_client, spotify):
    make_account(api_client)
    spotify.post(f"{PLAYER}/previous", status=403, body="")

    response = api_client.post("/api/v1/playback/previous/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Spotify playback request failed."


@pytest.mark.parametrize(
    "failure", [requests.ConnectionError("no route to host"), requests.ReadTimeout("read timed out")]
)
def test_spotify_unreachable_is_a_503(api_client, spotify, failure):
    make_account(api_client)
    spotify.get(PLAYER, body=failure)

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 503
    assert response.json()["detail"] == "Spotify is temporarily unavailable. Please try again."


def test_spotify_5xx_is_a_503(api_client, spotify):
    make_account(api_client)
    spotify.put(f"{PLAYER}/pause", status=502, body="<html>bad gateway</html>")

    response = api_client.post("/api/v1/playback/pause/", {}, format="json")

    assert response.status_code == 503


def test_rate_limiting_is_a_503_with_retry_after(api_client, spotify):
    make_account(api_client)
    spotify.get(PLAYER, status=429, headers={"Retry-After": "7"}, json=spotify_error(429, "API rate limit exceeded"))

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 503
    assert response["Retry-After"] == "7"


def test_a_malformed_answer_is_a_502(api_client, spotify):
    make_account(api_client)
    spotify.get(f"{PLAYER}/devices", json=[1, 2, 3])

    response = api_client.get("/api/v1/playback/devices/")

    assert response.status_code == 502
    assert response.json()["detail"] == "Spotify answered with an error. Please try again."


def test_the_token_endpoint_unreachable_is_a_503(api_client, spotify):
    make_account(api_client, auth_time=int(time.time()) - 4000)
    spotify.post(TOKEN, body=requests.ConnectionError("down"))

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 503


def test_commands_use_only_the_requesting_users_token(api_client, spotify):
    other = make_account(api_client, access_token="other-users-token")
    mine = make_account(api_client, access_token="my-token")
    assert other.user != mine.user
    spotify.put(f"{PLAYER}/pause", status=204)
    spotify.get(PLAYER, json={**PLAYBACK, "is_playing": False})

    response = api_client.post("/api/v1/playback/pause/", {}, format="json")

    assert response.status_code == 200
    assert {bearer(call) for call in spotify.calls} == {"Bearer my-token"}
