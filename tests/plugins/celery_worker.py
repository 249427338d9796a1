"""Fixture: a real Celery worker process on Redis for integration tests.

Usage (the test needs committed rows, so it must use a transactional database):

    @pytest.mark.integration
    @pytest.mark.django_db(transaction=True)
    def test_genre_sync_runs_through_the_broker(celery_worker):
        result = celery_worker.send("catalog.tasks.sync_spotify_genres")
        assert result.get(timeout=60) ...

While the fixture is active, this process's Celery app is pointed at the same broker and is no longer
eager, so code under test that calls `task.delay()` (a view, a service) really enqueues to Redis and the
worker runs it. `celery_worker.kill()` SIGKILLs the worker mid-task (its unacknowledged task is
redelivered after `visibility_timeout` seconds, default 5 here) and `celery_worker.start()` starts a
new one. The worker runs `settings.base` against the test database, with Spotify in stub mode.

Needs PostgreSQL (the in-memory SQLite test database cannot be shared with another process) and Redis
at JUKE_TEST_REDIS_URL (default redis://127.0.0.1:6379/15). Each fixture use gets its own Redis key
prefix, so parallel test runs on one Redis never take each other's tasks. Missing services skip the
test locally and fail it in CI (CI=true).
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
from kombu import pools

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_available(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        return str(error)
    return None


class LiveCeleryWorker:
    def __init__(self, *, env: dict[str, str], queues: str, visibility_timeout: int):
        self.env = env
        self.queues = queues
        self.visibility_timeout = visibility_timeout
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])

    def start(self, timeout: float = 30.0) -> None:
        """Start a worker and wait until it is ready to consume."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "settings.celery",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                self.queues,
                "--hostname",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        offset = self.log_path.stat().st_size
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.log()}")
            with self.log_path.open("rb") as handle:
                handle.seek(offset if offset < self.log_path.stat().st_size else 0)
                if b" ready." in handle.read():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready after {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the worker, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def send(self, task_name: str, *args, **kwargs):
        """Enqueue a task by name (routed like production) and return its AsyncResult."""
        from settings.celery import app  # noqa: PLC0415 - plugins load before pytest-django configures Django

        return app.send_task(task_name, args=args, kwargs=kwargs)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _configure_client_app(app, *, broker_url: str, transport_options: dict, eager: bool) -> None:
    app.conf.update(
        broker_url=broker_url,
        result_backend=broker_url,
        broker_transport_options=transport_options,
        result_backend_transport_options=transport_options,
        task_always_eager=eager,
    )

    pools.reset()  # closes and forgets every cached broker connection pool
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    if hasattr(app._local, "backend"):
        del app._local.backend


@pytest.fixture
def celery_worker(settings, transactional_db):
    """A real Celery worker (queues default, catalog, recommender) on Redis against the test database."""
    from django.db import connection  # noqa: PLC0415 - plugins load before pytest-django configures Django

    from settings.celery import app  # noqa: PLC0415 - plugins load before pytest-django configures Django
    from tests.conftest import require_service  # noqa: PLC0415 - plugins load before pytest-django configures Django

    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "a real Celery worker needs a database shared between processes")
    redis_url = os.environ.get("JUKE_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)
    problem = _redis_available(redis_url)
    if problem:
        require_service("Redis", f"{redis_url}: {problem}")

    db = settings.DATABASES["default"]
    prefix = f"juke-test-{uuid.uuid4().hex[:10]}:"
    visibility_timeout = 5
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.base",
        "JUKE_RUNTIME_ENV": "development",
        "POSTGRES_NAME": db["NAME"],
        "POSTGRES_USER": db["USER"] or "",
        "POSTGRES_PASSWORD": db["PASSWORD"] or "",
        "POSTGRES_HOST": db["HOST"] or "127.0.0.1",
        "POSTGRES_PORT": str(db["PORT"] or 5432),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_REDIS_KEY_PREFIX": prefix,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "SPOTIFY_USE_STUB_DATA": "true",
        "RECOMMENDER_ENGINE_BASE_URL": settings.RECOMMENDER_ENGINE_BASE_URL,
    }
    env.pop("DATABASE_URL", None)
    transport_options = {"visibility_timeout": visibility_timeout, "global_keyprefix": prefix}
    # Restored afterwards: "memory://" is a broker, not a result backend (eager tasks run later would fail).
    previous_result_backend = app.conf.result_backend
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _configure_client_app(app, broker_url=redis_url, transport_options=transport_options, eager=False)

    worker = LiveCeleryWorker(env=env, queues="default,catalog,recommender", visibility_timeout=visibility_timeout)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        _configure_client_app(app, broker_url="memory://", transport_options={}, eager=True)
        app.conf.result_backend = previous_result_backend

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{prefix}*")) + list(client.scan_iter("celery-task-meta-*"))
        if keys:
            client.delete(*keys)
