"""The provider registry: another streaming service plugs in without touching the views."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from playback.services.providers import (
    SpotifyPlaybackProvider,
    playback_provider_register,
    playback_provider_unregister,
)
from playback.types import PlaybackDevice, PlaybackProvider, PlaybackState, PlaybackTrack

pytestmark = pytest.mark.django_db


class MemoryProvider:
    """A streaming service kept in memory; linked for the users it is given."""

    slug = "memory"
    display_name = "Memory"

    def __init__(self, linked_user_ids):
        self.linked_user_ids = set(linked_user_ids)
        self.playing: dict[int, str] = {}

    def is_linked(self, *, user):
        return user.pk in self.linked_user_ids

    def uri_error(self, *, kind, uri):
        return None if uri.startswith("memory:track:") else "Enter a memory:track:<id> URI."

    def state_get(self, *, user):
        uri = self.playing.get(user.pk)
        if uri is None:
            return None
        track = PlaybackTrack(id=uri.rsplit(":", 1)[1], uri=uri, name="Remembered", duration_ms=1000)
        device = PlaybackDevice(id="m1", name="Memory Box", type="Computer", volume_percent=10, is_active=True)
        return PlaybackState(
            provider=self.slug, is_playing=True, progress_ms=0, updated_at=timezone.now(), track=track, device=device
        )

    def device_list(self, *, user):
        return []

    def play(self, *, user, device_id, track_uri, context_uri, position_ms):
        self.playing[user.pk] = track_uri

    def pause(self, *, user, device_id):
        self.playing.pop(user.pk, None)

    next = previous = pause

    def seek(self, *, user, device_id, position_ms): ...

    def volume_set(self, *, user, device_id, volume_percent): ...

    def shuffle_set(self, *, user, device_id, state): ...

    def repeat_set(self, *, user, device_id, state): ...

    def transfer(self, *, user, device_id, play): ...

    def queue_add(self, *, user, device_id, uri): ...


@pytest.fixture
def user(api_client):
    user = get_user_model().objects.create_user(username=f"u{uuid.uuid4().hex[:10]}", password="pw-x9!kq")
    api_client.force_authenticate(user)
    return user


@pytest.fixture
def memory(user):
    provider = MemoryProvider([user.pk])
    playback_provider_register(provider)
    yield provider
    playback_provider_unregister(provider.slug)


def test_both_providers_satisfy_the_protocol(memory):
    assert isinstance(SpotifyPlaybackProvider(), PlaybackProvider)
    assert isinstance(memory, PlaybackProvider)


def test_a_registered_provider_serves_the_same_endpoints(api_client, memory):
    played = api_client.post(
        "/api/v1/playback/play/", {"provider": "memory", "track_uri": "memory:track:42"}, format="json"
    )
    state = api_client.get("/api/v1/playback/state/?provider=memory")
    paused = api_client.post("/api/v1/playback/pause/", {"provider": "memory"}, format="json")

    assert played.status_code == 202
    assert played.json()["provider"] == "memory"
    assert state.json()["track"]["uri"] == "memory:track:42"
    assert paused.status_code == 204


def test_the_first_linked_provider_is_used_when_none_is_named(api_client, memory):
    response = api_client.post("/api/v1/playback/play/", {"track_uri": "memory:track:7"}, format="json")

    assert response.status_code == 202
    assert response.json()["provider"] == "memory"


def test_a_uri_of_another_provider_is_refused_for_the_chosen_one(api_client, memory):
    response = api_client.post(
        "/api/v1/playback/play/",
        {"provider": "memory", "track_uri": "spotify:track:1IXGILkPm0tOCNeq00kCPa"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"track_uri": ["Enter a memory:track:<id> URI."]}
