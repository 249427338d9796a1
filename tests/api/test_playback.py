"""Playback endpoints against the stub Spotify player (real spotipy calls, answered at the HTTP layer)."""

import time
import uuid

import pytest

from catalog.models import Album, Artist, Track
from juke_auth.services.spotify_credentials import spotify_credentials_read
from tests.factories_playback import link_spotify, make_user

TRACK_URI = "spotify:track:1IXGILkPm0tOCNeq00kCPa"
OTHER_TRACK_URI = "spotify:track:3eFJI470ALf1EYjywPRsJy"
ALBUM_URI = "spotify:album:4QxzbfSsVryEQwvPFEV5Iu"

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(api_client):
    user = make_user()
    account = link_spotify(user)
    api_client.force_authenticate(user)
    return account


def device_ids(api_client) -> list[str]:
    response = api_client.get("/api/v1/playback/devices/")
    assert response.status_code == 200, response.content
    return [device["id"] for device in response.json()["devices"]]


def start(api_client, **body):
    device_id = device_ids(api_client)[0]
    return api_client.post("/api/v1/playback/play/", {"device_id": device_id, **body}, format="json")


@pytest.fixture
def catalog_track():
    artist = Artist.objects.create(spotify_id="2C2sVVXanbOpymYBMpsi89", name="Shawn Mendes")
    album = Album.objects.create(
        spotify_id="4QxzbfSsVryEQwvPFEV5Iu",
        name="If I Can't Have You (Gryffin Remix)",
        images=["https://i.scdn.co/image/big.jpg", "https://i.scdn.co/image/small.jpg"],
    )
    album.artists.add(artist)
    track = Track.objects.create(
        spotify_id="1IXGILkPm0tOCNeq00kCPa",
        name="If I Can't Have You - Gryffin Remix",
        album=album,
        duration_ms=253040,
        track_number=1,
    )
    track.artists.add(artist)
    return track


# Reads -------------------------------------------------------------------------------------------


def test_state_is_204_with_no_body_when_nothing_is_playing(api_client, listener):
    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 204
    assert response.content == b""


def test_devices_lists_the_stub_users_devices(api_client, listener):
    response = api_client.get("/api/v1/playback/devices/?provider=spotify")

    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "spotify"
    assert [device["name"] for device in body["devices"]] == ["Juke Web Player", "Stub Phone"]
    assert {"id", "name", "type", "volume_percent", "is_active"} <= set(body["devices"][0])
    assert not any(device["is_active"] for device in body["devices"])


def test_anonymous_requests_get_401(api_client):
    assert api_client.get("/api/v1/playback/state/").status_code == 401
    assert api_client.post("/api/v1/playback/play/", {}, format="json").status_code == 401


# Play and the state shape ---------------------------------------------------------------------


def test_play_a_catalog_track_answers_202_with_the_normalised_state(api_client, listener, catalog_track):
    response = start(api_client, track_uri=f"  {TRACK_URI}  ")

    assert response.status_code == 202, response.content
    state = response.json()
    assert state["provider"] == "spotify"
    assert state["is_playing"] is True
    assert isinstance(state["progress_ms"], int)
    assert state["updated_at"].endswith("Z")
    track = state["track"]
    assert track["id"] == "1IXGILkPm0tOCNeq00kCPa"
    assert track["uri"] == TRACK_URI
    assert track["name"] == "If I Can't Have You - Gryffin Remix"
    assert track["duration_ms"] == 253040
    assert track["album"] == {
        "id": "4QxzbfSsVryEQwvPFEV5Iu",
        "uri": ALBUM_URI,
        "name": "If I Can't Have You (Gryffin Remix)",
        "artwork_url": "https://i.scdn.co/image/big.jpg",
    }
    assert track["artwork_url"] == "https://i.scdn.co/image/big.jpg"
    assert track["artists"] == [
        {"id": "2C2sVVXanbOpymYBMpsi89", "uri": "spotify:artist:2C2sVVXanbOpymYBMpsi89", "name": "Shawn Mendes"}
    ]
    assert state["device"]["name"] == "Juke Web Player"
    assert state["device"]["is_active"] is True
    assert set(state["device"]) >= {"id", "name", "type", "volume_percent", "is_active"}


def test_play_an_unknown_track_synthesises_a_stable_name(api_client, listener):
    first = start(api_client, track_uri=OTHER_TRACK_URI).json()
    again = api_client.get("/api/v1/playback/state/").json()

    assert first["track"]["name"]
    assert first["track"]["name"] == again["track"]["name"]


def test_play_a_context_plays_its_first_track(api_client, listener, catalog_track):
    response = start(api_client, context_uri=ALBUM_URI)

    assert response.status_code == 202
    assert response.json()["track"]["uri"] == TRACK_URI
    assert response.json()["context_uri"] == ALBUM_URI


def test_track_uri_wins_over_context_uri(api_client, listener):
    response = start(api_client, track_uri=OTHER_TRACK_URI, context_uri="not checked")

    assert response.status_code == 202
    assert response.json()["track"]["uri"] == OTHER_TRACK_URI


def test_play_at_a_position_starts_there(api_client, listener, catalog_track):
    response = start(api_client, track_uri=TRACK_URI, position_ms=60000)

    assert 60000 <= response.json()["progress_ms"] < 70000


def test_play_without_a_device_when_none_is_active_plays_on_the_first_device(api_client, listener):
    response = api_client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")

    assert response.status_code == 202, response.content
    assert response.json()["is_playing"] is True
    assert response.json()["track"]["uri"] == TRACK_URI
    assert response.json()["device"]["name"] == "Juke Web Player"
    assert response.json()["device"]["is_active"] is True


def test_progress_advances_between_two_reads(api_client, listener):
    start(api_client, track_uri=TRACK_URI)
    first = api_client.get("/api/v1/playback/state/").json()["progress_ms"]
    time.sleep(0.2)
    second = api_client.get("/api/v1/playback/state/").json()["progress_ms"]

    assert second >= first + 150


# Commands ----------------------------------------------------------------------------------------


def test_pause_answers_200_with_a_paused_state(api_client, listener):
    start(api_client, track_uri=TRACK_URI)

    response = api_client.post("/api/v1/playback/pause/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["is_playing"] is False


def test_pause_when_nothing_is_playing_passes_spotifys_refusal_on(api_client, listener):
    response = api_client.post("/api/v1/playback/pause/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["reason"] == "NO_ACTIVE_DEVICE"


def test_resume_via_play_without_uris(api_client, listener):
    start(api_client, track_uri=TRACK_URI)
    api_client.post("/api/v1/playback/pause/", {}, format="json")

    response = api_client.post("/api/v1/playback/play/", {"provider": "spotify"}, format="json")

    assert response.status_code == 202
    assert response.json()["is_playing"] is True
    assert response.json()["track"]["uri"] == TRACK_URI


def test_next_then_previous_walks_the_queue_and_history(api_client, listener):
    start(api_client, track_uri=TRACK_URI)
    queued = api_client.post("/api/v1/playback/queue/", {"uri": OTHER_TRACK_URI}, format="json")
    assert queued.status_code == 200

    after_next = api_client.post("/api/v1/playback/next/", {}, format="json")
    after_previous = api_client.post("/api/v1/playback/previous/", {}, format="json")

    assert after_next.status_code == 200
    assert after_next.json()["track"]["uri"] == OTHER_TRACK_URI
    assert after_previous.status_code == 200
    assert after_previous.json()["track"]["uri"] == TRACK_URI


def test_next_at_the_end_keeps_playing_something_similar(api_client, listener):
    start(api_client, track_uri=TRACK_URI)

    response = api_client.post("/api/v1/playback/next/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["track"]["uri"] != TRACK_URI
    assert response.json()["is_playing"] is True


def test_seek_moves_the_position(api_client, listener):
    start(api_client, track_uri=TRACK_URI)

    response = api_client.post("/api/v1/playback/seek/", {"position_ms": 90000}, format="json")

    assert response.status_code == 200
    assert 90000 <= response.json()["progress_ms"] < 95000


def test_volume_shuffle_and_repeat_change_the_state(api_client, listener):
    start(api_client, track_uri=TRACK_URI)

    volume = api_client.post("/api/v1/playback/volume/", {"volume_percent": 30}, format="json")
    shuffle = api_client.post("/api/v1/playback/shuffle/", {"state": True}, format="json")
    repeat = api_client.post("/api/v1/playback/repeat/", {"state": "track"}, format="json")

    assert volume.status_code == 200
    assert volume.json()["device"]["volume_percent"] == 30
    assert shuffle.status_code == 200
    assert shuffle.json()["shuffle_state"] is True
    assert repeat.status_code == 200
    assert repeat.json()["repeat_state"] == "track"


def test_transfer_moves_playback_to_another_device(api_client, listener):
    start(api_client, track_uri=TRACK_URI)
    phone = device_ids(api_client)[1]

    response = api_client.post("/api/v1/playback/transfer/", {"device_id": phone, "play": True}, format="json")

    assert response.status_code == 200
    assert response.json()["device"]["id"] == phone
    assert response.json()["device"]["name"] == "Stub Phone"


def test_transfer_to_an_unknown_device_is_refused(api_client, listener):
    response = api_client.post("/api/v1/playback/transfer/", {"device_id": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Device not found"


# Validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("play", {"track_uri": "spotify:album:4QxzbfSsVryEQwvPFEV5Iu"}, "track_uri"),
        ("play", {"track_uri": "spotify:track:short"}, "track_uri"),
        ("play", {"track_uri": "https://open.spotify.com/track/1IXGILkPm0tOCNeq00kCPa"}, "track_uri"),
        ("play", {"context_uri": "spotify:track:1IXGILkPm0tOCNeq00kCPa"}, "context_uri"),
        ("play", {"position_ms": -1}, "position_ms"),
        ("play", {"position_ms": "soon"}, "position_ms"),
        ("play", {"device_id": "abc&volume_percent=0"}, "device_id"),
        ("seek", {}, "position_ms"),
        ("seek", {"position_ms": -5}, "position_ms"),
        ("volume", {"volume_percent": 101}, "volume_percent"),
        ("volume", {"volume_percent": -1}, "volume_percent"),
        ("repeat", {"state": "forever"}, "state"),
        ("shuffle", {}, "state"),
        ("transfer", {}, "device_id"),
        ("queue", {"uri": "spotify:album:4QxzbfSsVryEQwvPFEV5Iu"}, "uri"),
    ],
)
def test_invalid_input_gets_field_errors(api_client, listener, path, body, field):
    response = api_client.post(f"/api/v1/playback/{path}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_negative_position_has_the_contract_message(api_client, listener):
    response = api_client.post("/api/v1/playback/play/", {"position_ms": -1}, format="json")

    assert response.json() == {"position_ms": ["Ensure this value is greater than or equal to 0."]}


# Provider selection and linking -------------------------------------------------------------------


def test_no_linked_account_asks_to_link_one(api_client):
    api_client.force_authenticate(make_user())

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 400
    assert response.json()["detail"] == "Link a streaming account to control playback."


def test_an_unsupported_provider_is_named(api_client, listener):
    response = api_client.post("/api/v1/playback/pause/", {"provider": " tidal "}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Provider 'tidal' is not supported."


def test_provider_spotify_without_a_linked_account(api_client):
    api_client.force_authenticate(make_user())

    response = api_client.get("/api/v1/playback/state/?provider=spotify")

    assert response.status_code == 400
    assert response.json()["detail"] == "Link your Spotify account to control playback."


def test_after_unlinking_the_user_gets_a_clear_error(api_client, listener):
    start(api_client, track_uri=TRACK_URI)
    listener.delete()

    response = api_client.post("/api/v1/playback/pause/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "Link a streaming account to control playback."


def test_a_user_cannot_control_another_users_player(api_client, listener):
    start(api_client, track_uri=TRACK_URI)
    victim_devices = device_ids(api_client)
    intruder = make_user()
    link_spotify(intruder)
    api_client.force_authenticate(intruder)

    # The intruder names the victim's device: their own Spotify account has no such device.
    response = api_client.post("/api/v1/playback/pause/", {"device_id": victim_devices[0]}, format="json")
    state = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 400
    assert response.json()["detail"] == "Device not found"
    assert state.status_code == 204
    api_client.force_authenticate(listener.user)
    assert api_client.get("/api/v1/playback/state/").json()["is_playing"] is True


# Tokens in stub mode ----------------------------------------------------------------------------


def test_a_token_about_to_expire_is_refreshed_and_stored_first(api_client):
    user = make_user()
    account = link_spotify(user, expires=3600, auth_time=int(time.time()) - 3590)
    old = spotify_credentials_read(account=account)
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/playback/devices/")

    assert response.status_code == 200
    account.refresh_from_db()
    assert spotify_credentials_read(account=account)["access_token"] != old["access_token"]
    assert spotify_credentials_read(account=account)["access_token"].startswith(f"stub-access-{account.uid}.")
    assert spotify_credentials_read(account=account)["refresh_token"] == old["refresh_token"]
    assert spotify_credentials_read(account=account)["auth_time"] >= int(time.time()) - 5
    assert spotify_credentials_read(account=account)["expires"] == 3600


def test_a_token_spotify_rejects_is_refreshed_once_and_the_command_retried(api_client):
    user = make_user()
    account = link_spotify(user, access_token="expired-by-spotify")
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/playback/devices/")

    assert response.status_code == 200
    account.refresh_from_db()
    assert spotify_credentials_read(account=account)["access_token"].startswith(f"stub-access-{account.uid}.")


def test_expired_token_without_refresh_token_gives_the_missing_refresh_token_error(api_client):
    user = make_user()
    link_spotify(user, refresh_token=None, auth_time=int(time.time()) - 7200)
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 400
    assert response.json()["detail"] == "Spotify authentication is missing a refresh token."


def test_a_missing_access_token_asks_to_reconnect(api_client):
    user = make_user()
    link_spotify(user, access_token=None, refresh_token=None)
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 400
    assert response.json()["detail"] == "Spotify authentication expired. Please reconnect your account."


def test_a_free_account_gets_premium_required(api_client):
    user = make_user()
    link_spotify(user, spotify_id=f"free{uuid.uuid4().hex[:8]}")
    api_client.force_authenticate(user)

    response = start(api_client, track_uri=TRACK_URI)

    assert response.status_code == 400
    assert response.json()["reason"] == "PREMIUM_REQUIRED"
    assert response.json()["detail"] == "Player command failed: Premium required"


# Schema ------------------------------------------------------------------------------------------


def test_every_playback_endpoint_is_in_the_openapi_schema(api_client):
    response = api_client.get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for name in ("play", "pause", "next", "previous", "seek", "volume", "shuffle", "repeat", "transfer", "queue"):
        operation = paths[f"/api/v1/playback/{name}/"]["post"]
        assert "requestBody" in operation, name
        assert {"200", "202"} & set(operation["responses"]), name
    assert "204" in paths["/api/v1/playback/state/"]["get"]["responses"]
    assert "200" in paths["/api/v1/playback/devices/"]["get"]["responses"]


def test_the_api_root_links_to_playback(api_client):
    response = api_client.get("/api/v1/")

    assert response.json()["playback"].endswith("/api/v1/playback/state/")
