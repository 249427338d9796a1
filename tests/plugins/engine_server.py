"""Fixture: a real recommender engine (uvicorn) process for tests. Owned by the engine work.

Usage in the Django suite::

    @pytest.mark.integration
    @pytest.mark.django_db(transaction=True)
    def test_recommendations(api_client, engine_server):
        ...create catalog rows and embeddings (committed: transaction=True)...
        refresh_engine(engine_server)  # or wait RECOMMENDER_REFRESH_SECONDS for the background poll
        response = api_client.post("/api/v1/recommendations/", ...)

The engine process reads the Django *test* database directly, so:

- it needs PostgreSQL: Django's SQLite test database lives in memory inside the pytest process and no other
  process can see it. On SQLite the fixture skips locally (and fails under CI=true) via ``require_service``.
- the test must use ``django_db(transaction=True)``: rows written inside the usual per-test transaction are
  invisible to another connection.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 30.0
# Fast polling so tests that wait for the background refresh do not wait long.
TEST_REFRESH_SECONDS = "0.5"


def database_env() -> dict[str, str | None]:
    """The environment that points another process (the engine, gunicorn) at Django's current database."""
    from django.conf import settings  # noqa: PLC0415 - plugins load before pytest-django configures Django

    database = settings.DATABASES["default"]
    return {
        "DATABASE_URL": None,  # POSTGRES_* below win: they name the database this process uses (the test one)
        "POSTGRES_NAME": database["NAME"],
        "POSTGRES_USER": database.get("USER") or "",
        "POSTGRES_PASSWORD": database.get("PASSWORD") or "",
        "POSTGRES_HOST": database.get("HOST") or "127.0.0.1",
        "POSTGRES_PORT": str(database.get("PORT") or 5432),
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refresh_engine(base_url: str, timeout: float = 30.0) -> dict:
    """Make the engine reload changed embeddings now (POST /refresh); returns its /health body."""

    request = urllib.request.Request(f"{base_url}/refresh", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def start_engine(
    env_overrides: dict[str, str | None], log_path: Path, port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """Start `uvicorn recommender_engine.app.main:app` with the given environment and wait for /health.

    Raises RuntimeError (with the end of the engine's log) when it does not come up.
    """
    port = port or free_port()
    # None -> "": an empty variable still beats a value in the repo's .env file (which the engine also reads).
    env = {**os.environ, **{name: value or "" for name, value in env_overrides.items()}}
    env.setdefault("RECOMMENDER_REFRESH_SECONDS", TEST_REFRESH_SECONDS)
    log = open(log_path, "wb")  # noqa: SIM115 - closed when the process is stopped
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "recommender_engine.app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process._juke_log = log  # type: ignore[attr-defined]
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:
                if response.status == 200:
                    return process, base_url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    stop_engine(process)
    tail = log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"The recommender engine did not start on {base_url}. Its log:\n{tail}")


def stop_engine(process: subprocess.Popen) -> None:
    """Stop an engine process started by start_engine."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    log = getattr(process, "_juke_log", None)
    if log is not None:
        log.close()


@pytest.fixture(scope="session")
def engine_server_process(django_db_setup, tmp_path_factory):
    """One engine process for the whole session, reading pytest-django's test database (PostgreSQL only)."""
    from django.conf import settings  # noqa: PLC0415 - plugins load before pytest-django configures Django

    from tests.conftest import require_service  # noqa: PLC0415 - plugins load before pytest-django configures Django

    database = settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        require_service(
            "PostgreSQL",
            "engine-backed tests need the Django test database on PostgreSQL (set POSTGRES_* or DATABASE_URL); "
            "Django's SQLite test database is in memory and another process cannot read it.",
        )
    overrides = {
        **database_env(),
        "RECOMMENDER_DB_POOL_MIN": "1",
        "RECOMMENDER_DB_POOL_MAX": "4",
    }
    log_path = tmp_path_factory.mktemp("engine") / "engine.log"
    process, base_url = start_engine(overrides, log_path)
    yield base_url
    stop_engine(process)


@pytest.fixture
def engine_server(engine_server_process, settings) -> str:
    """Base URL of a real recommender engine process on the Django test database (PostgreSQL only).

    Sets ``settings.RECOMMENDER_ENGINE_BASE_URL`` to it for the test. The process is shared by the session and
    polls the database every 0.5 s; call ``refresh_engine(engine_server)`` (from this module) right after writing
    embeddings or a model artifact to make it reload at once. Use with ``django_db(transaction=True)``.
    Skips locally (fails under CI=true) when the test database is not PostgreSQL.
    """
    settings.RECOMMENDER_ENGINE_BASE_URL = engine_server_process
    refresh_engine(engine_server_process)  # drop what earlier tests left in the engine's cache
    return engine_server_process
