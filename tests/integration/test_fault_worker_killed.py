"""A worker killed mid-task (SIGKILL of the main prefork process): its task is delivered again within the
visibility timeout and ends as a clean run would; and no task outlives that timeout (a crawl longer than the
time limit carries on in a fresh task instead of being delivered twice)."""

import subprocess
import sys
import time

import pytest

from catalog.models import Album, Track
from settings.celery import app
from tests.integration.fault_helpers import PreforkWorker, wait_until
from tests.integration.test_catalog_worker import _expected_crawl_rows, _stored_rows

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _default_celery_limits() -> tuple[float, float, float]:
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], "
        "settings.CELERY_TASK_SOFT_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT)"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "settings.base", "JUKE_ENV_FILE": "/dev/null"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    visibility, soft, hard = (float(value) for value in result.stdout.split()[-3:])
    return visibility, soft, hard


def test_by_default_a_lost_task_is_delivered_again_within_minutes_and_no_task_runs_longer_than_that():
    visibility, soft, hard = _default_celery_limits()

    assert visibility <= 300
    assert soft < hard < visibility


@pytest.fixture
def prefork_worker(celery_worker):
    """Swap the fixture's solo worker for a prefork one (production's pool) with the given environment."""
    celery_worker.stop()
    workers = []

    def start(**env: str) -> PreforkWorker:
        worker = PreforkWorker({**celery_worker.env, **env})
        worker.start()
        workers.append(worker)
        return worker

    yield celery_worker, start
    for worker in workers:
        worker.stop()


def test_a_task_killed_with_the_main_worker_process_is_delivered_again_and_ends_like_a_clean_run(prefork_worker):
    broker, start = prefork_worker
    settings = {"SPOTIFY_STUB_LATENCY_SECONDS": "0.25", "CELERY_VISIBILITY_TIMEOUT": "15"}
    worker = start(**settings)
    expected = _expected_crawl_rows("jazz", 3)
    result = broker.send("catalog.tasks.crawl_catalog", genres=["jazz"], artists_per_genre=3)
    wait_until(Track.objects.exists, timeout=60, what="the crawl's first tracks")

    worker.kill_main_process()
    killed_at = time.monotonic()
    interrupted = _stored_rows()
    assert interrupted[2] < expected[2], "the crawl should have been interrupted half-way"
    replacement = start(**settings)
    outcome = result.get(timeout=120)

    # visibility timeout + one restore sweep (30 s) + the crawl itself
    assert time.monotonic() - killed_at < 15 + 30 + 20
    assert result.id in replacement.log()
    assert _stored_rows() == expected
    assert outcome["artists"] == 3
    assert all(album.tracks.count() == album.total_tracks for album in Album.objects.all())


def test_a_crawl_longer_than_the_time_limit_carries_on_in_a_fresh_task_and_completes(prefork_worker):
    _broker, start = prefork_worker
    worker = start(SPOTIFY_STUB_LATENCY_SECONDS="0.4", CELERY_VISIBILITY_TIMEOUT="6")  # soft limit 4.8 s
    expected = _expected_crawl_rows("jazz", 4)
    started = time.monotonic()

    # Explicit None: the worker's own limits apply, not the ones this (test-settings) process would stamp on it.
    sent = app.send_task(
        "catalog.tasks.crawl_catalog", kwargs={"genres": ["jazz"], "artists_per_genre": 4},
        soft_time_limit=None, time_limit=None,
    )  # fmt: skip
    outcome = sent.get(timeout=240)

    assert time.monotonic() - started > 4.8, "the crawl must outlast the soft time limit for this test to mean much"
    wait_until(lambda: "SoftTimeLimitExceeded" in worker.log(), timeout=10, what="the soft time limit in the log")
    assert "Hard time limit" not in worker.log()
    assert _stored_rows() == expected
    assert outcome["artists"] == 4
