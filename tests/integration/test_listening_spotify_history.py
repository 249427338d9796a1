"""Spotify history import against the stub Spotify (real spotipy calls answered at the HTTP layer)."""

import time
import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from social_django.models import UserSocialAuth

from juke_auth.services.spotify_credentials import spotify_credentials_read, spotify_credentials_write
from listening.models import Like, LikeSource, Listen, ListenSource, SpotifyHistorySync
from listening.services.spotify_history import spotify_history_sync
from listening.tasks import spotify_history_sync_all_task
from recommender.models import ArtistEmbedding, TrackEmbedding
from recommender.services.training import model_retrain
from spotify_stub import player
from spotify_stub.catalog_routes import universe
from spotify_stub.library_routes import stub_history
from tests.factories_auth import UserFactory
from tests.recommender_catalog import demo_catalog_create

pytestmark = pytest.mark.django_db


def linked_user(prefix="listener", **extra):
    user = UserFactory()
    spotify_id = f"{prefix}{uuid.uuid4().hex[:10]}"
    data = {
        "access_token": f"stub-access-{spotify_id}.{uuid.uuid4().hex[:8]}",
        "refresh_token": f"stub-refresh-{spotify_id}.{uuid.uuid4().hex[:8]}",
        "expires": 3600,
        "auth_time": int(time.time()),
    }
    data.update(extra)
    data = {key: value for key, value in data.items() if value is not None}
    account = UserSocialAuth.objects.create(user=user, provider="spotify", uid=spotify_id, extra_data={})
    spotify_credentials_write(account=account, extra_data=data)  # as sign-in stores them: encrypted at rest
    return user, spotify_id


def test_first_sync_imports_recent_plays_top_items_and_saved_tracks():
    user, spotify_id = linked_user()

    outcome = spotify_history_sync(user_id=user.pk)

    assert outcome.error == ""
    listens = Listen.objects.filter(user=user)
    expected = min(50 * 20, len(stub_history(spotify_id)))
    assert outcome.listens_created == listens.count() > 0
    assert listens.count() <= expected
    assert not listens.filter(track__isnull=True).exists()  # every play's track is now in the catalog
    assert set(listens.values_list("source", flat=True)) == {ListenSource.SPOTIFY}
    assert Like.objects.filter(user=user, source=LikeSource.SPOTIFY_SAVED).count() == 30
    assert Like.objects.filter(user=user, source=LikeSource.SPOTIFY_TOP, artist__isnull=False).count() == 8
    assert SpotifyHistorySync.objects.get(user=user).initial_import_at is not None


def test_a_second_sync_imports_nothing_twice():
    user, _ = linked_user()
    spotify_history_sync(user_id=user.pk)
    count = Listen.objects.filter(user=user).count()

    again = spotify_history_sync(user_id=user.pk)

    assert again.listens_created == 0
    assert again.likes_created == 0
    assert Listen.objects.filter(user=user).count() == count


def test_the_cursor_keeps_polls_incremental():
    user, spotify_id = linked_user()
    spotify_history_sync(user_id=user.pk)
    cursor = SpotifyHistorySync.objects.get(user=user).recently_played_after_ms
    assert cursor == stub_history(spotify_id)[-1][0]


@pytest.mark.parametrize(
    ("prefix", "error"),
    [("noscope", "missing_scope"), ("ratelimited", "rate_limited")],
)
def test_a_failing_account_is_recorded_and_the_others_still_sync(prefix, error):
    failing, _ = linked_user(prefix)
    healthy, _ = linked_user()

    synced = spotify_history_sync_all_task.delay().get()

    assert synced == 2
    state = SpotifyHistorySync.objects.get(user=failing)
    assert state.last_error.startswith(error)
    assert not Listen.objects.filter(user=failing).exists()
    assert Listen.objects.filter(user=healthy).exists()
    if error == "rate_limited":
        assert state.retry_not_before is not None
        assert spotify_history_sync_all_task.delay().get() == 1  # paused until Spotify's Retry-After


def test_a_revoked_grant_without_refresh_token_is_recorded():
    user, _ = linked_user(access_token="invalid-token", refresh_token=None)

    outcome = spotify_history_sync(user_id=user.pk)

    assert outcome.error == "grant_revoked"
    assert SpotifyHistorySync.objects.get(user=user).last_error.startswith("grant_revoked")


def test_an_expired_token_is_refreshed_and_stored():
    user, spotify_id = linked_user(access_token="expired-token")

    outcome = spotify_history_sync(user_id=user.pk)

    assert outcome.error == ""
    account = UserSocialAuth.objects.get(user=user)
    assert spotify_credentials_read(account=account)["access_token"].startswith(f"stub-access-{spotify_id}.")
    assert account.extra_data["access_token"].startswith("fernet:")  # stored encrypted again


def test_what_the_stub_player_plays_for_30_seconds_joins_the_spotify_history():
    _user, spotify_id = linked_user()
    track_id = sorted(universe()["tracks"])[0]
    item = dict(universe()["tracks"][track_id])
    now_ms = int(time.time() * 1000)
    state = {"item": item, "is_playing": True, "progress_ms": 45_000, "progress_at": now_ms}
    cache.set(player.CACHE_PREFIX + spotify_id, state)

    ends_ms = now_ms - 45_000 + item["duration_ms"]

    assert (ends_ms, track_id) not in stub_history(spotify_id, now_ms=now_ms)  # listed once it ends
    assert (ends_ms, track_id) in stub_history(spotify_id, now_ms=ends_ms + 1000)


@pytest.mark.django_db(transaction=True)
def test_linking_spotify_imports_the_history_at_once(settings):
    settings.LISTENING_IMPORT_ON_SPOTIFY_LINK = True

    user, _ = linked_user()  # the social account is committed: its on_commit hook runs the (eager) task

    state = SpotifyHistorySync.objects.get(user=user)
    assert state.initial_import_at is not None
    assert Listen.objects.filter(user=user, source=ListenSource.SPOTIFY).exists()


@pytest.mark.django_db(transaction=True)
def test_signing_in_with_spotify_imports_the_history_with_the_tokens_it_just_stored(settings):
    settings.LISTENING_IMPORT_ON_SPOTIFY_LINK = True
    client = APIClient()

    response = client.post("/api/v1/auth/social-login/", {"access_token": "fresh-phone-token"}, format="json")

    assert response.status_code == 200, response.content
    user = UserSocialAuth.objects.get(provider="spotify", extra_data__isnull=False).user
    state = SpotifyHistorySync.objects.get(user=user)
    assert state.initial_import_at is not None, state.last_error
    assert Listen.objects.filter(user=user, source=ListenSource.SPOTIFY).exists()


@pytest.mark.django_db(transaction=True)
def test_what_the_history_brings_into_the_catalog_is_embedded_at_once():
    """Without waiting for the scheduled `embed_stale_items` (tasks run inline here, as under `make run`)."""
    demo_catalog_create(step=3)
    model_retrain()
    user, _ = linked_user()

    spotify_history_sync(user_id=user.pk)

    played = set(Listen.objects.filter(user=user).values_list("track_id", flat=True))
    liked_artists = set(Like.objects.filter(user=user, artist__isnull=False).values_list("artist_id", flat=True))
    assert played
    assert liked_artists
    assert set(TrackEmbedding.objects.filter(track_id__in=played).values_list("track_id", flat=True)) == played
    embedded_artists = ArtistEmbedding.objects.filter(artist_id__in=liked_artists).values_list("artist_id", flat=True)
    assert set(embedded_artists) == liked_artists
