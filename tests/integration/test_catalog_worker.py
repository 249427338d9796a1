"""Catalog tasks through Redis and a real Celery worker process (PostgreSQL + Redis)."""

import time

import pytest
import responses
from celery.result import AsyncResult
from django.conf import settings
from django.core.cache import cache

from catalog.models import Album, Artist, Genre, Track
from catalog.services.tasks import featured_genres_refresh_enqueue
from settings.celery import app
from spotify_stub.catalog_universe import GENRES, universe
from tests.factories_catalog import *  # noqa: F403 - fixtures: admin_client, client_signed_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_genre_sync_runs_through_the_broker(celery_worker):
    result = celery_worker.send("catalog.tasks.sync_spotify_genres")

    assert result.get(timeout=60) == {"total": len(GENRES), "created": len(GENRES), "source": "genre-seeds"}
    assert Genre.objects.count() == len(GENRES)


def test_admin_refresh_enqueues_the_genre_sync_and_the_worker_runs_it(celery_worker, admin_client):
    response = admin_client.post("/api/v1/genres/refresh/")

    assert response.status_code == 202
    assert AsyncResult(response.json()["task_id"], app=app).get(timeout=60)["total"] == len(GENRES)
    assert Genre.objects.filter(spotify_id="genre-jazz").exists()


def _expected_crawl_rows(genre: str, artists: int):
    stub = universe()
    matches = sorted(
        (artist for artist in stub["artists"].values() if genre in artist["genres"]),
        key=lambda artist: (-artist["popularity"], artist["id"]),
    )[:artists]
    album_ids = [album_id for artist in matches for album_id in stub["artist_albums"][artist["id"]]]
    track_ids = [track_id for album_id in album_ids for track_id in stub["albums"][album_id]["_track_ids"]]
    return {artist["id"] for artist in matches}, set(album_ids), set(track_ids)


def _stored_rows():
    return (
        set(Artist.objects.values_list("spotify_id", flat=True)),
        set(Album.objects.values_list("spotify_id", flat=True)),
        set(Track.objects.values_list("spotify_id", flat=True)),
    )


def test_a_crawl_killed_mid_way_and_run_again_ends_with_the_same_rows(celery_worker):
    # Slow the stub Spotify down in the worker so the crawl can be interrupted half-way.
    celery_worker.stop()
    celery_worker.env["SPOTIFY_STUB_LATENCY_SECONDS"] = "0.25"
    celery_worker.start()
    kwargs = {"genres": ["jazz"], "artists_per_genre": 3}
    expected = _expected_crawl_rows("jazz", 3)

    result = celery_worker.send("catalog.tasks.crawl_catalog", **kwargs)
    deadline = time.monotonic() + 60
    while not Track.objects.exists():
        assert time.monotonic() < deadline, celery_worker.log()[-3000:]
        time.sleep(0.1)
    celery_worker.kill()
    interrupted = _stored_rows()
    assert interrupted[2], "the crawl should have stored some rows before the kill"
    assert interrupted[2] < expected[2], "the crawl should have been interrupted half-way"

    celery_worker.start()  # the unacknowledged task is redelivered (acks_late) after the visibility timeout
    outcome = result.get(timeout=120)

    assert _stored_rows() == expected
    assert outcome["artists"] == 3
    assert Track.objects.count() == len(expected[2])  # no duplicates
    for album in Album.objects.all():
        assert album.tracks.count() == album.total_tracks


def test_a_cold_featured_genres_cache_answers_at_once_and_queues_one_refresh(celery_worker, client_signed_in, settings):

    cache.clear()
    settings.SPOTIFY_USE_STUB_DATA = False  # any Spotify call made by the request itself would reach `responses`
    with responses.RequestsMock(assert_all_requests_are_fired=False) as spotify:
        body = client_signed_in.get("/api/v1/genres/featured/").json()
        assert len(spotify.calls) == 0  # no fan-out of 20 searches inside the request
    assert [genre["id"] for genre in body][:3] == ["hiphop", "pop", "rock"]
    assert len(body) == 20
    assert all(genre["top_artists"] == [] for genre in body)
    assert featured_genres_refresh_enqueue() is None  # the request queued one already

    cache.clear()
    task_id = featured_genres_refresh_enqueue()

    assert AsyncResult(task_id, app=app).get(timeout=60) == 20  # the worker built all 20 (stub Spotify)
    cache.clear()


def test_every_scheduled_task_exists_and_the_featured_genres_are_refreshed_on_beat():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    app.loader.import_default_modules()  # what a worker does at start: every app's tasks module

    assert "catalog.tasks.refresh_featured_genres" in scheduled
    assert scheduled <= set(app.tasks)


def _status(client, task_id, *, until, timeout=60):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/tasks/{task_id}/").json()
        seen.append(body["state"])
        if until(body):
            return body, seen
        time.sleep(0.1)
    raise AssertionError(f"task {task_id} never got there; states seen: {sorted(set(seen))}")


def test_an_admin_follows_the_genre_refresh_to_its_result(celery_worker, admin_client):
    task_id = admin_client.post("/api/v1/genres/refresh/").json()["task_id"]

    body, _ = _status(admin_client, task_id, until=lambda body: body["state"] == "SUCCESS")

    assert body == {
        "id": task_id,
        "state": "SUCCESS",
        "progress": None,
        "result": {"total": len(GENRES), "created": len(GENRES), "source": "genre-seeds"},
        "error": None,
    }


def test_a_crawl_reports_its_progress_then_its_result(celery_worker, admin_client):
    celery_worker.stop()
    celery_worker.env["SPOTIFY_STUB_LATENCY_SECONDS"] = "0.1"
    celery_worker.start()
    task = celery_worker.send("catalog.tasks.crawl_catalog", genres=["jazz"], artists_per_genre=3, albums_per_artist=2)

    running, _ = _status(admin_client, task.id, until=lambda body: body["state"] in ("PROGRESS", "SUCCESS"))
    done, _ = _status(admin_client, task.id, until=lambda body: body["state"] == "SUCCESS")

    assert running["progress"] == {"done": running["progress"]["done"], "total": 3, "unit": "artists"}
    assert 1 <= running["progress"]["done"] <= 3
    assert done["result"]["artists"] == 3
    assert done["progress"] is None


def test_a_failed_job_shows_its_error(celery_worker, admin_client):
    task = celery_worker.send("catalog.tasks.ingest_audio_features", ["not-an-id"])

    body, _ = _status(admin_client, task.id, until=lambda body: body["state"] == "FAILURE")

    assert body["result"] is None
    assert body["error"].startswith("ValueError: ")
    assert "not-an-id" in body["error"]
