"""Audio features from Spotify into the catalog (the catalog owns TrackAudioFeatures), and their task."""

import pytest

from catalog.models import Track, TrackAudioFeatures
from catalog.services.audio_features import audio_features_ingest
from catalog.services.external import external_search
from catalog.tasks import crawl_catalog, ingest_audio_features
from integrations.spotify.errors import SpotifyAuthError
from settings.celery import app
from tests.recommender_catalog import demo_catalog_create

pytestmark = pytest.mark.django_db


class FakeAudioFeatures:
    """Stands in for Spotify's audio-features endpoint (the outside boundary)."""

    def __init__(self, *, refuse: bool = False):
        self.refuse = refuse
        self.calls: list[list[str]] = []

    def get_audio_features(self, *, spotify_ids):
        self.calls.append(list(spotify_ids))
        if self.refuse:
            raise SpotifyAuthError("Forbidden", status_code=403)
        return [
            None
            if index == 0
            else {
                "danceability": 0.5,
                "energy": 0.9,
                "key": 2,
                "loudness": -5.0,
                "mode": 1,
                "speechiness": 0.1,
                "acousticness": 0.05,
                "instrumentalness": 0.0,
                "liveness": 0.1,
                "valence": 0.4,
                "tempo": 120.0,
                "time_signature": 4,
            }
            for index, _ in enumerate(spotify_ids)
        ]


def test_audio_features_ingest_upserts_what_spotify_returns():
    demo_catalog_create(step=100, with_audio_features=False)
    track_ids = list(Track.objects.values_list("id", flat=True))
    source = FakeAudioFeatures()
    result = audio_features_ingest(track_ids=track_ids, source=source)
    assert result.status == "ok"
    assert result.missing == 1
    assert len(result.stored) == len(track_ids) - 1
    assert TrackAudioFeatures.objects.count() == len(track_ids) - 1
    assert TrackAudioFeatures.objects.first().time_signature == 4


def test_audio_features_ingest_reports_a_403_without_raising():
    demo_catalog_create(step=100, with_audio_features=False)
    result = audio_features_ingest(
        track_ids=list(Track.objects.values_list("id", flat=True)), source=FakeAudioFeatures(refuse=True)
    )
    assert result.status == "forbidden"
    assert not TrackAudioFeatures.objects.exists()


def test_ingest_task_counts_the_tracks_spotify_has_no_features_for():
    demo_catalog_create(step=100, with_audio_features=False)  # ids the stub Spotify does not know
    summary = ingest_audio_features.delay(list(Track.objects.values_list("id", flat=True))).get()
    assert summary == {"status": "ok", "stored": 0, "missing": Track.objects.count()}


def test_audio_features_ingest_through_the_spotify_adapter_stores_stub_features():
    external_search(model=Track, query="velvet", limit=3, offset=0)
    tracks = list(Track.objects.filter(audio_features__isnull=True).values_list("id", flat=True))
    assert tracks

    result = audio_features_ingest(track_ids=tracks)

    assert result.status == "ok"
    assert sorted(result.stored) == sorted(tracks)
    assert TrackAudioFeatures.objects.filter(track_id__in=tracks).count() == len(tracks)


def test_a_crawl_queues_the_audio_features_of_the_tracks_it_stored():
    summary = crawl_catalog.delay(genres=["jazz"], artists_per_genre=1, albums_per_artist=1).get()  # eager

    crawled = Track.objects.count()
    assert summary["tracks"] == crawled > 0
    assert "track_ids" not in summary
    assert TrackAudioFeatures.objects.filter(track__in=Track.objects.all()).count() == crawled


def test_the_audio_features_task_is_routed_to_the_catalog_queue():
    assert app.amqp.router.route({}, "catalog.tasks.ingest_audio_features")["queue"].name == "catalog"
