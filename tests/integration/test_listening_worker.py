"""Listening tasks through Redis and a real Celery worker process (PostgreSQL + Redis)."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from social_django.models import UserSocialAuth

from listening.models import Listen, ListenSource, SpotifyHistorySync
from listening.services.ingest import ListenInput, listens_ingest
from listening.signals import MATCH_QUEUED_KEY
from tests.factories_auth import UserFactory
from tests.factories_catalog import ArtistFactory, TrackFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def test_a_track_new_to_the_catalog_gets_its_waiting_listens_matched_by_the_worker(celery_worker):
    user = UserFactory()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    listens_ingest(
        user=user,
        listens=[
            ListenInput(listened_at=start + timedelta(minutes=n), artist_name="Late", track_name="Arrival")
            for n in range(4)
        ],
        source=ListenSource.IMPORT,
    )

    cache.delete(MATCH_QUEUED_KEY)  # another test may have queued a match run within the debounce minute
    track = TrackFactory(name="Arrival", artists=[ArtistFactory(name="Late")])  # saved: queues the match task

    assert wait_for(lambda: not Listen.objects.filter(user=user, track__isnull=True).exists()), celery_worker.log()
    assert set(Listen.objects.filter(user=user).values_list("track_id", flat=True)) == {track.pk}


def test_the_periodic_spotify_import_runs_one_task_per_user_in_the_worker(celery_worker):
    users = []
    for prefix in ("listener", "noscope"):
        user = UserFactory()
        spotify_id = f"{prefix}{uuid.uuid4().hex[:10]}"
        UserSocialAuth.objects.create(
            user=user,
            provider="spotify",
            uid=spotify_id,
            extra_data={"access_token": f"stub-access-{spotify_id}.x", "expires": 3600, "auth_time": int(time.time())},
        )
        users.append(user)

    assert celery_worker.send("listening.spotify_history_sync_all").get(timeout=60) == 2

    healthy, failing = users
    assert wait_for(
        lambda: SpotifyHistorySync.objects.filter(user=failing, last_error__startswith="missing_scope").exists()
    )
    assert wait_for(lambda: SpotifyHistorySync.objects.filter(user=healthy, last_synced_at__isnull=False).exists())
    assert Listen.objects.filter(user=healthy, source=ListenSource.SPOTIFY).exists()
