"""Embedding tasks through the broker on a real Celery worker (PostgreSQL + Redis)."""

import numpy as np
import pytest

from catalog.models import Track, TrackAudioFeatures
from recommender.models import AlbumEmbedding, TrackEmbedding
from recommender.services.training import model_retrain
from recommender.tasks import embed_tracks
from settings.celery import app
from tests.recommender_catalog import demo_catalog_create


def _vector(model, **lookup) -> np.ndarray:
    return np.frombuffer(bytes(model.objects.get(**lookup).vector), dtype="<f4")


def test_recommender_tasks_are_routed_to_the_recommender_queue():
    for name in ("embed_tracks", "embed_albums", "embed_artists", "embed_stale_items"):
        route = app.amqp.router.route({}, f"recommender.tasks.{name}")
        assert route["queue"].name == "recommender"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_embed_tracks_runs_on_a_real_worker_and_re_embeds_track_and_album(celery_worker):
    demo_catalog_create(step=3)
    model_retrain()
    track = Track.objects.filter(album__isnull=False).first()
    track_before = _vector(TrackEmbedding, track=track)
    album_before = _vector(AlbumEmbedding, album=track.album)
    TrackAudioFeatures.objects.filter(track=track).update(energy=0.01, acousticness=0.99, loudness=-35.0)

    result = embed_tracks.delay([track.id])  # the fixture made the app non-eager: this goes through Redis

    summary = result.get(timeout=60)
    assert summary["updated"]["track"] == 1
    assert summary["updated"]["album"] == 1
    assert not np.allclose(_vector(TrackEmbedding, track=track), track_before)
    assert not np.allclose(_vector(AlbumEmbedding, album=track.album), album_before)
    assert "recommender.tasks.embed_tracks" in celery_worker.log()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_stale_items_task_by_name_through_the_broker(celery_worker):
    demo_catalog_create(step=3)
    model_retrain()
    TrackEmbedding.objects.filter(track__in=Track.objects.all()[:4]).delete()
    summary = celery_worker.send("recommender.tasks.embed_stale_items").get(timeout=60)
    assert summary["created"]["track"] == 4
    assert TrackEmbedding.objects.count() == Track.objects.count()
