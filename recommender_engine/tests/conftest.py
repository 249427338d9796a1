"""Engine test fixtures: databases migrated by Django itself (manage.py migrate, in a subprocess) and a real engine.

The engine's own suite uses SQLite (a temporary file) by default, PostgreSQL when DATABASE_URL or POSTGRES_* are set
(a database of its own, `test_<POSTGRES_NAME>_engine`, created and dropped here). Both are built by the project's
migrations, so a column the engine reads cannot change unnoticed. No Django code is imported.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from recommender_engine.tests.database import (
    POSTGRES_VARIABLES,
    EngineDatabase,
    create_postgres_database,
    drop_postgres_database,
    migrated_sqlite,
    postgres_settings,
    unit,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "engine"
IN_CI = os.environ.get("CI", "").lower() == "true"
__all__ = ["POSTGRES_VARIABLES", "EngineDatabase", "unit"]


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> EngineDatabase:
    """A fresh SQLite file migrated by `manage.py migrate`."""
    return migrated_sqlite(tmp_path_factory.mktemp("engine-db") / "juke.sqlite3")


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[EngineDatabase]:
    """A fresh PostgreSQL database migrated by `manage.py migrate` (skipped without PostgreSQL, except in CI)."""
    settings = postgres_settings() or postgres_settings({"POSTGRES_HOST": "127.0.0.1"})
    assert settings is not None
    try:
        database = create_postgres_database(settings, f"test_{settings['name']}_engine")
    except OSError as error:
        message = f"PostgreSQL unavailable: {error}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: integration tests may not be skipped)")
        pytest.skip(message)
    yield database
    drop_postgres_database(database)


@pytest.fixture(scope="session")
def engine_db(request: pytest.FixtureRequest) -> EngineDatabase:
    """The database the engine suite runs on: PostgreSQL when configured, else SQLite."""
    return request.getfixturevalue("postgres_db" if postgres_settings() else "sqlite_db")  # type: ignore[no-any-return]


# --- a real engine process -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EngineProcess:
    """`uvicorn recommender_engine.app.main:app` in a subprocess on a free port."""

    def __init__(
        self, env: dict[str, str | None], log_path: Path, startup_timeout: float = 180.0, cwd: Path = REPO_ROOT
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        # None -> "": an empty variable still beats a value in the repo's .env file (which the engine also reads).
        environment = {**os.environ, **{key: value or "" for key, value in env.items()}}
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "recommender_engine.app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The engine did not start. Log:\n{log_path.read_text(errors='replace')[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope="session")
def engine_process(engine_db, tmp_path_factory) -> Iterator[EngineProcess]:
    env = {**engine_db.env, "RECOMMENDER_REFRESH_SECONDS": "0.3", "RECOMMENDER_INDEX": "exact"}
    process = EngineProcess(env, tmp_path_factory.mktemp("engine") / "engine.log")
    yield process
    process.stop()


@pytest.fixture
def engine(engine_process, engine_db) -> Iterator[httpx.Client]:
    """An HTTP client of the running engine, over an empty database (cleared and refreshed before each test)."""
    engine_db.clear()
    with httpx.Client(base_url=engine_process.url, timeout=30) as client:
        client.post("/refresh").raise_for_status()
        yield client


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())
