"""Play and resume with no active device (issue 11.4), end to end on the stub player; and what the user must do first (11.6)."""

import uuid

import pytest
import responses
from responses import matchers

from spotify_stub.player_state import IDLE_DEVICE_AFTER_MS, stub_player_wait
from tests.factories_playback import link_spotify, make_user

TRACK_URI = "spotify:track:1IXGILkPm0tOCNeq00kCPa"
PLAYER = "https://api.spotify.com/v1/me/player"
NO_DEVICE = {
    "detail": "Open Spotify on one of your devices (phone, computer or speaker), then try again: Juke plays through it.",
    "code": "no_device",
    "reason": "NO_ACTIVE_DEVICE",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(api_client):
    user = make_user()
    account = link_spotify(user)
    api_client.force_authenticate(user)
    return account


def play(api_client, **body):
    return api_client.post("/api/v1/playback/play/", body, format="json")


def devices(api_client) -> dict[str, str]:
    return {device["name"]: device["id"] for device in api_client.get("/api/v1/playback/devices/").json()["devices"]}


def idle_for_long(account) -> None:
    """Time passes on Spotify's side until the paused player has no active device any more."""
    stub_player_wait(user_id=account.uid, seconds=IDLE_DEVICE_AFTER_MS / 1000 + 1)


def test_a_new_user_plays_on_their_first_device(api_client, listener):
    response = play(api_client, track_uri=TRACK_URI)

    assert response.status_code == 202, response.content
    assert response.json()["device"]["name"] == "Juke Web Player"
    assert response.json()["is_playing"] is True


def test_play_goes_to_the_most_recently_active_device(api_client, listener):
    phone = devices(api_client)["Stub Phone"]
    assert play(api_client, track_uri=TRACK_URI, device_id=phone).status_code == 202
    api_client.post("/api/v1/playback/pause/", {}, format="json")
    idle_for_long(listener)
    assert api_client.get("/api/v1/playback/state/").status_code == 204

    response = play(api_client, track_uri=TRACK_URI)

    assert response.status_code == 202, response.content
    assert response.json()["device"]["id"] == phone
    assert response.json()["track"]["uri"] == TRACK_URI


def test_resume_wakes_the_most_recently_active_device_where_it_stopped(api_client, listener):
    phone = devices(api_client)["Stub Phone"]
    play(api_client, track_uri=TRACK_URI, device_id=phone, position_ms=60000)
    api_client.post("/api/v1/playback/pause/", {}, format="json")
    idle_for_long(listener)

    response = play(api_client, provider="spotify")

    assert response.status_code == 202, response.content
    assert response.json()["device"]["id"] == phone
    assert response.json()["is_playing"] is True
    assert response.json()["track"]["uri"] == TRACK_URI
    assert 60000 <= response.json()["progress_ms"] < 70000


def test_an_active_device_is_used_as_it_is(api_client, listener):
    phone = devices(api_client)["Stub Phone"]
    play(api_client, track_uri=TRACK_URI, device_id=phone)

    response = play(api_client, track_uri="spotify:track:3eFJI470ALf1EYjywPRsJy")

    assert response.json()["device"]["id"] == phone


@pytest.mark.parametrize("body", [{"track_uri": TRACK_URI}, {}], ids=["play", "resume"])
def test_with_no_device_at_all_the_user_is_told_to_open_spotify(api_client, body):
    user = make_user()
    link_spotify(user, spotify_id=f"nodevice{uuid.uuid4().hex[:8]}")
    api_client.force_authenticate(user)

    response = play(api_client, **body)

    assert response.status_code == 400
    assert response.json() == NO_DEVICE


def test_other_commands_still_report_that_no_device_is_active(api_client, listener):
    response = api_client.post("/api/v1/playback/next/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["reason"] == "NO_ACTIVE_DEVICE"
    assert api_client.get("/api/v1/playback/state/").status_code == 204


def test_against_spotify_the_command_is_resent_to_the_chosen_device(api_client, settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    api_client.force_authenticate(link_spotify(make_user(), access_token="tok").user)
    refusal = {
        "error": {
            "status": 404,
            "message": "Player command failed: No active device found",
            "reason": "NO_ACTIVE_DEVICE",
        }
    }
    listed = {"devices": [{"id": "speaker", "name": "Kitchen", "type": "Speaker", "is_active": False, "is_restricted": True},
                          {"id": "laptop", "name": "Laptop", "type": "Computer", "is_active": False}]}  # fmt: skip
    with responses.RequestsMock() as spotify:
        no_device = spotify.put(f"{PLAYER}/play", status=404, json=refusal, match=[matchers.query_string_matcher("")])
        spotify.get(f"{PLAYER}/devices", json=listed)
        on_laptop = spotify.put(
            f"{PLAYER}/play",
            status=204,
            match=[
                matchers.query_param_matcher({"device_id": "laptop"}),
                matchers.json_params_matcher({"uris": [TRACK_URI]}),
            ],
        )
        spotify.get(PLAYER, status=204)

        response = play(api_client, track_uri=TRACK_URI)

    assert response.status_code == 204
    assert no_device.call_count == 1
    assert on_laptop.call_count == 1


# Issue 11.6: what the user must do first wins over what is wrong with the input --------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("play", {"track_uri": "spotify:album:4QxzbfSsVryEQwvPFEV5Iu"}),
        ("play", {"context_uri": "not a uri", "position_ms": -1}),
        ("queue", {"uri": "https://open.spotify.com/track/1IXGILkPm0tOCNeq00kCPa"}),
        ("volume", {"volume_percent": 101}),
    ],
)
def test_no_linked_account_wins_over_a_malformed_input(api_client, path, body):
    api_client.force_authenticate(make_user())

    response = api_client.post(f"/api/v1/playback/{path}/", body, format="json")
    named = api_client.post(f"/api/v1/playback/{path}/", {**body, "provider": "spotify"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Link a streaming account to control playback.", "code": "account_not_linked"}
    assert named.json() == {"detail": "Link your Spotify account to control playback.", "code": "provider_not_linked"}


def test_a_linked_user_gets_the_field_error(api_client, listener):
    response = play(api_client, track_uri="spotify:album:4QxzbfSsVryEQwvPFEV5Iu")

    assert response.status_code == 400
    assert response.json() == {"track_uri": ["Enter a Spotify track URI: spotify:track:<22-character id>."]}
