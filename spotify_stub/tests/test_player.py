"""The stub Spotify player behind spotipy (stub mode, no DB): per-user state, wall-time progress, idle devices, Spotify's errors."""

import time
import uuid

import pytest
import spotipy

from integrations.spotify.http import spotify_http_session
from spotify_stub.player_state import IDLE_DEVICE_AFTER_MS, stub_player_wait

TRACK_A = "spotify:track:1IXGILkPm0tOCNeq00kCPa"
TRACK_B = "spotify:track:3eFJI470ALf1EYjywPRsJy"


@pytest.fixture(autouse=True)
def stub_on(settings):
    settings.SPOTIFY_USE_STUB_DATA = True


def player(user_id: str | None = None, *, token: str | None = None) -> spotipy.Spotify:
    token = token or f"stub-access-{user_id or 'u' + uuid.uuid4().hex[:10]}.{uuid.uuid4().hex[:6]}"
    return spotipy.Spotify(auth=token, requests_session=spotify_http_session(), retries=0, status_retries=0)


def active_player(**kwargs) -> tuple[spotipy.Spotify, list[dict]]:
    sp = player(**kwargs)
    devices = sp.devices()["devices"]
    return sp, devices


def test_a_new_user_has_two_idle_devices_and_no_playback():
    sp, devices = active_player()

    assert len(devices) == 2
    assert not any(device["is_active"] for device in devices)
    assert sp.current_playback() is None
    assert sp.currently_playing() is None


def test_progress_advances_with_wall_time():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])

    first = sp.current_playback()["progress_ms"]
    time.sleep(0.15)
    second = sp.current_playback()["progress_ms"]

    assert second - first >= 100


def test_a_paused_player_does_not_advance():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])
    sp.pause_playback()

    first = sp.current_playback()["progress_ms"]
    time.sleep(0.05)

    assert sp.current_playback()["progress_ms"] == first


def test_at_the_end_of_a_track_the_next_one_plays():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A, TRACK_B])
    duration = sp.current_playback()["item"]["duration_ms"]

    sp.seek_track(duration - 20)
    time.sleep(0.05)

    state = sp.current_playback()
    assert state["item"]["uri"] == TRACK_B
    assert state["is_playing"] is True


def test_at_the_end_of_the_last_track_playback_stops():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])
    duration = sp.current_playback()["item"]["duration_ms"]

    sp.seek_track(duration - 20)
    time.sleep(0.05)

    state = sp.current_playback()
    assert state["is_playing"] is False
    assert state["progress_ms"] == 0


def test_repeat_track_loops_the_track():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A, TRACK_B])
    sp.repeat("track")
    duration = sp.current_playback()["item"]["duration_ms"]

    sp.seek_track(duration - 20)
    time.sleep(0.05)

    state = sp.current_playback()
    assert state["item"]["uri"] == TRACK_A
    assert state["progress_ms"] < 1000


def test_synthesised_tracks_are_deterministic_without_a_catalog():
    first, devices = active_player()
    first.start_playback(device_id=devices[0]["id"], uris=[TRACK_B])
    second, devices = active_player()
    second.start_playback(device_id=devices[0]["id"], uris=[TRACK_B])

    assert first.current_playback()["item"] == second.current_playback()["item"]


def test_each_spotify_user_has_their_own_player():
    mine, devices = active_player(user_id=f"me{uuid.uuid4().hex[:6]}")
    theirs = player(user_id=f"them{uuid.uuid4().hex[:6]}")
    mine.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])

    assert theirs.current_playback() is None
    with pytest.raises(spotipy.SpotifyException) as caught:
        theirs.pause_playback(device_id=devices[0]["id"])
    assert caught.value.http_status == 404
    assert mine.current_playback()["is_playing"] is True


def test_a_refreshed_token_reaches_the_same_player():
    user_id = f"same{uuid.uuid4().hex[:6]}"
    sp, devices = active_player(user_id=user_id)
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])

    assert player(user_id=user_id).current_playback()["item"]["uri"] == TRACK_A


@pytest.mark.parametrize(
    ("call", "status", "reason"),
    [
        (lambda sp: sp.pause_playback(), 404, "NO_ACTIVE_DEVICE"),
        (lambda sp: sp.next_track(), 404, "NO_ACTIVE_DEVICE"),
        (lambda sp: sp.start_playback(uris=[TRACK_A]), 404, "NO_ACTIVE_DEVICE"),
        (lambda sp: sp.add_to_queue(TRACK_A), 404, "NO_ACTIVE_DEVICE"),
        (lambda sp: sp.transfer_playback("unknown-device"), 404, None),
    ],
)
def test_commands_without_an_active_device_fail_like_spotify(call, status, reason):
    sp = player()

    with pytest.raises(spotipy.SpotifyException) as caught:
        call(sp)

    assert caught.value.http_status == status
    assert caught.value.reason == reason


def test_pausing_a_paused_player_is_a_restriction_violation():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])
    sp.pause_playback()

    with pytest.raises(spotipy.SpotifyException) as caught:
        sp.pause_playback()

    assert caught.value.http_status == 403
    assert "Restriction violated" in caught.value.msg


@pytest.mark.parametrize("token", ["invalid-token", "expired-token"])
def test_bad_tokens_get_401(token):
    with pytest.raises(spotipy.SpotifyException) as caught:
        player(token=token).devices()

    assert caught.value.http_status == 401


def test_free_accounts_get_premium_required():
    sp = player(user_id=f"free{uuid.uuid4().hex[:6]}")

    with pytest.raises(spotipy.SpotifyException) as caught:
        sp.start_playback(uris=[TRACK_A])

    assert caught.value.http_status == 403
    assert caught.value.reason == "PREMIUM_REQUIRED"


def test_invalid_parameters_get_400():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])

    with pytest.raises(spotipy.SpotifyException) as caught:
        sp._put("me/player/volume?volume_percent=150")

    assert caught.value.http_status == 400


def test_transfer_moves_the_active_device_and_keeps_the_track():
    sp, devices = active_player()
    sp.start_playback(device_id=devices[0]["id"], uris=[TRACK_A])

    sp.transfer_playback(devices[1]["id"], force_play=False)

    state = sp.current_playback()
    assert state["device"]["id"] == devices[1]["id"]
    assert state["item"]["uri"] == TRACK_A


def test_a_player_left_paused_long_enough_loses_its_active_device():
    user_id = f"idle{uuid.uuid4().hex[:6]}"
    sp, devices = active_player(user_id=user_id)
    sp.start_playback(device_id=devices[1]["id"], uris=[TRACK_A])
    sp.pause_playback()

    stub_player_wait(user_id=user_id, seconds=IDLE_DEVICE_AFTER_MS / 1000 + 1)

    assert sp.current_playback() is None
    assert not any(device["is_active"] for device in sp.devices()["devices"])
    with pytest.raises(spotipy.SpotifyException) as caught:
        sp.start_playback()
    assert caught.value.reason == "NO_ACTIVE_DEVICE"


def test_a_briefly_paused_player_keeps_its_device_and_a_playing_one_never_idles():
    user_id = f"idle{uuid.uuid4().hex[:6]}"
    sp, devices = active_player(user_id=user_id)
    sp.start_playback(device_id=devices[1]["id"], uris=[TRACK_A])
    sp.pause_playback()
    stub_player_wait(user_id=user_id, seconds=IDLE_DEVICE_AFTER_MS / 1000 - 60)

    assert sp.current_playback()["device"]["id"] == devices[1]["id"]
    sp.start_playback()
    sp.repeat("track")
    stub_player_wait(user_id=user_id, seconds=IDLE_DEVICE_AFTER_MS / 1000 + 1)
    assert sp.current_playback()["is_playing"] is True


def test_the_named_device_is_woken_when_none_is_active():
    sp, devices = active_player()

    sp.start_playback(device_id=devices[1]["id"], uris=[TRACK_A])

    assert sp.current_playback()["device"]["id"] == devices[1]["id"]


def test_a_user_with_spotify_open_nowhere_has_no_devices():
    sp = player(user_id=f"nodevice{uuid.uuid4().hex[:6]}")

    assert sp.devices()["devices"] == []
    with pytest.raises(spotipy.SpotifyException) as caught:
        sp.start_playback(uris=[TRACK_A])
    assert caught.value.reason == "NO_ACTIVE_DEVICE"
