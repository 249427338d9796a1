"""A track played through Juke's player (stub Spotify) for 30 s becomes a listen, once."""

import time
import uuid

import pytest
from social_django.models import UserSocialAuth

from catalog.models import Track
from listening.models import Listen, ListenSource
from listening.services.playback import listen_threshold_ms
from tests.factories_auth import UserFactory
from tests.factories_catalog import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db
TRACK_ID = "1IXGILkPm0tOCNeq00kCPa"


@pytest.fixture
def player(api_client):
    user = UserFactory()
    spotify_id = f"listener{uuid.uuid4().hex[:10]}"
    UserSocialAuth.objects.create(
        user=user,
        provider="spotify",
        uid=spotify_id,
        extra_data={
            "access_token": f"stub-access-{spotify_id}.{uuid.uuid4().hex[:8]}",
            "refresh_token": f"stub-refresh-{spotify_id}.{uuid.uuid4().hex[:8]}",
            "expires": 3600,
            "auth_time": int(time.time()),
        },
    )
    api_client.force_authenticate(user)
    device = api_client.get("/api/v1/playback/devices/").json()["devices"][0]["id"]
    TrackFactory(spotify_id=TRACK_ID, name="Alison", duration_ms=230_000, artists=[ArtistFactory(name="Slowdive")])
    response = api_client.post(
        "/api/v1/playback/play/", {"device_id": device, "track_uri": f"spotify:track:{TRACK_ID}"}, format="json"
    )
    assert response.status_code == 202, response.content
    return user, device


def seek(api_client, device, position_ms):
    response = api_client.post(
        "/api/v1/playback/seek/", {"device_id": device, "position_ms": position_ms}, format="json"
    )
    assert response.status_code in (200, 202), response.content


def test_a_track_heard_for_less_than_30_seconds_is_not_a_listen(api_client, player):
    user, _ = player
    assert api_client.get("/api/v1/playback/state/").status_code == 200
    assert not Listen.objects.filter(user=user).exists()


def test_a_track_heard_for_30_seconds_becomes_one_listen_however_often_the_state_is_read(api_client, player):
    user, device = player
    seek(api_client, device, 31_000)

    for _ in range(3):
        assert api_client.get("/api/v1/playback/state/").status_code == 200

    listen = Listen.objects.get(user=user)
    assert listen.source == ListenSource.JUKE
    assert listen.track == Track.objects.get(spotify_id=TRACK_ID)
    assert (listen.artist_name, listen.track_name) == ("Slowdive", "Alison")


@pytest.mark.parametrize(("duration_ms", "threshold"), [(230_000, 30_000), (40_000, 20_000), (0, 30_000)])
def test_the_threshold_is_30_seconds_or_half_a_short_track(duration_ms, threshold):
    assert listen_threshold_ms(duration_ms=duration_ms) == threshold
