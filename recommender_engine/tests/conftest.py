"""Engine test fixtures: a database with the Django tables (created here in plain SQL) and a real uvicorn engine.

SQLite (a temporary file) by default; PostgreSQL when DATABASE_URL or POSTGRES_* are set, in a database of its
own (`test_<POSTGRES_NAME>_engine`, created and dropped here). No Django code is imported.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "engine"
IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_VARIABLES = ("POSTGRES_NAME", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_HOST", "POSTGRES_PORT")

CATALOG_TABLES = {"artists": "catalog_artist", "albums": "catalog_album", "tracks": "catalog_track"}
EMBEDDING_TABLES = {
    "artists": ("recommender_artistembedding", "artist_id"),
    "albums": ("recommender_albumembedding", "album_id"),
    "tracks": ("recommender_trackembedding", "track_id"),
}


def schema_statements(postgres: bool) -> list[str]:
    """The columns of the Django tables the engine reads (recommender/ and catalog/ migrations)."""
    pk = "bigserial PRIMARY KEY" if postgres else "integer PRIMARY KEY AUTOINCREMENT"
    json_type, blob, time_type, boolean = (
        ("jsonb", "bytea", "timestamp with time zone", "boolean") if postgres else ("text", "BLOB", "datetime", "bool")
    )
    statements = []
    for table in CATALOG_TABLES.values():
        statements.append(
            f"CREATE TABLE {table} (id {pk}, spotify_id varchar(64) NOT NULL UNIQUE, name varchar(500) NOT NULL, "
            f"spotify_data {json_type} NOT NULL DEFAULT '{{}}', custom_data {json_type} NOT NULL DEFAULT '{{}}', "
            f"created_at {time_type} NOT NULL, modified_at {time_type} NOT NULL)"
        )
    for resource, (table, foreign_key) in EMBEDDING_TABLES.items():
        statements.append(
            f"CREATE TABLE {table} (id {pk}, vector {blob} NOT NULL, model_version varchar(64) NOT NULL, "
            f"quality_score double precision NOT NULL, metadata {json_type} NOT NULL, created_at {time_type} NOT NULL, "
            f"modified_at {time_type} NOT NULL, {foreign_key} bigint NOT NULL UNIQUE "
            f"REFERENCES {CATALOG_TABLES[resource]} (id) ON DELETE CASCADE)"
        )
        statements.append(f"CREATE INDEX {table}_modified_at ON {table} (modified_at)")
    statements.append(
        f"CREATE TABLE recommender_modelartifact (id {pk}, version varchar(64) NOT NULL UNIQUE, "
        f"dimension smallint NOT NULL, payload {json_type} NOT NULL, metrics {json_type} NOT NULL, "
        f"is_active {boolean} NOT NULL, created_at {time_type} NOT NULL)"
    )
    return statements


def unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


class EngineDatabase:
    """Writes catalog items, embeddings and model artifacts the way Django does (auto_now timestamps included)."""

    def __init__(self, postgres: bool, env: dict[str, str | None], connect):
        self.postgres = postgres
        self.env = env
        self._connect = connect

    def execute(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        if not self.postgres:
            sql = sql.replace("%s", "?")
        connection = self._connect()
        try:
            cursor = connection.execute(sql, parameters)
            rows = cursor.fetchall() if cursor.description else []
            connection.commit()
            return rows
        finally:
            connection.close()

    def now(self):
        now = datetime.now(UTC)
        return now if self.postgres else now.replace(tzinfo=None).isoformat(sep=" ")

    def _json(self, value: Any) -> str:
        return json.dumps(value)

    def add(
        self,
        resource: str,
        name: str,
        vector,
        *,
        spotify_id: str | None = None,
        quality: float = 1.0,
        model_version: str = "test-v1",
        metadata: dict | None = None,
    ) -> str:
        """One catalog item of `resource` ("artists", "albums", "tracks") with its embedding; returns its spotify_id."""
        spotify_id = spotify_id or uuid.uuid4().hex[:22]
        now = self.now()
        catalog_id = self.execute(
            f"INSERT INTO {CATALOG_TABLES[resource]} (spotify_id, name, created_at, modified_at) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            (spotify_id, name, now, now),
        )[0][0]
        table, foreign_key = EMBEDDING_TABLES[resource]
        self.execute(
            f"INSERT INTO {table} ({foreign_key}, vector, model_version, quality_score, metadata, created_at, "
            "modified_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                catalog_id,
                np.asarray(vector, dtype="<f4").tobytes(),
                model_version,
                quality,
                self._json(metadata or {}),
                now,
                now,
            ),
        )
        return spotify_id

    def update_vector(self, resource: str, spotify_id: str, vector) -> None:
        table, foreign_key = EMBEDDING_TABLES[resource]
        self.execute(
            f"UPDATE {table} SET vector = %s, modified_at = %s WHERE {foreign_key} = "
            f"(SELECT id FROM {CATALOG_TABLES[resource]} WHERE spotify_id = %s)",
            (np.asarray(vector, dtype="<f4").tobytes(), self.now(), spotify_id),
        )

    def delete(self, resource: str, spotify_id: str) -> None:
        table, foreign_key = EMBEDDING_TABLES[resource]
        self.execute(
            f"DELETE FROM {table} WHERE {foreign_key} = (SELECT id FROM {CATALOG_TABLES[resource]} WHERE spotify_id = %s)",
            (spotify_id,),
        )

    def activate_model(self, payload: dict, version: str, dimension: int) -> None:
        self.execute("UPDATE recommender_modelartifact SET is_active = %s", (False,))
        self.execute(
            "INSERT INTO recommender_modelartifact (version, dimension, payload, metrics, is_active, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (version, dimension, self._json(payload), "{}", True, self.now()),
        )

    def clear(self) -> None:
        for table, _ in EMBEDDING_TABLES.values():
            self.execute(f"DELETE FROM {table}")
        for table in CATALOG_TABLES.values():
            self.execute(f"DELETE FROM {table}")
        self.execute("DELETE FROM recommender_modelartifact")


def _postgres_settings() -> dict[str, str] | None:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        from urllib.parse import urlsplit

        url = urlsplit(os.environ["DATABASE_URL"])
        return {
            "name": url.path.lstrip("/") or "juke",
            "user": url.username or "postgres",
            "password": url.password or "",
            "host": url.hostname or "127.0.0.1",
            "port": str(url.port or 5432),
        }
    if any(os.environ.get(name) for name in POSTGRES_VARIABLES):
        return {
            "name": os.environ.get("POSTGRES_NAME") or "juke",
            "user": os.environ.get("POSTGRES_USER") or "postgres",
            "password": os.environ.get("POSTGRES_PASSWORD", ""),
            "host": os.environ.get("POSTGRES_HOST") or "127.0.0.1",
            "port": os.environ.get("POSTGRES_PORT") or "5432",
        }
    return None


@pytest.fixture(scope="session")
def engine_db(tmp_path_factory) -> Iterator[EngineDatabase]:
    """An empty database with the engine's tables: SQLite file, or a dedicated PostgreSQL database."""
    postgres = _postgres_settings()
    if postgres is None:
        path = tmp_path_factory.mktemp("engine-db") / "juke.sqlite3"
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode=WAL")
        for statement in schema_statements(postgres=False):
            connection.execute(statement)
        connection.commit()
        connection.close()
        env = {"DATABASE_URL": None, "SQLITE_PATH": str(path), **dict.fromkeys(POSTGRES_VARIABLES)}
        yield EngineDatabase(False, env, lambda: sqlite3.connect(path, timeout=20))
        return

    import psycopg

    name = f"test_{postgres['name']}_engine"
    admin = {k: postgres[k] for k in ("user", "password", "host", "port")}
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        message = f"PostgreSQL unavailable: {error}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: integration tests may not be skipped)")
        pytest.skip(message)
    with psycopg.connect(dbname=name, autocommit=True, **admin) as connection:
        for statement in schema_statements(postgres=True):
            connection.execute(statement)
    env = {
        "DATABASE_URL": None,
        "POSTGRES_NAME": name,
        "POSTGRES_USER": postgres["user"],
        "POSTGRES_PASSWORD": postgres["password"],
        "POSTGRES_HOST": postgres["host"],
        "POSTGRES_PORT": postgres["port"],
    }
    yield EngineDatabase(True, env, lambda: psycopg.connect(dbname=name, **admin))
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- a real engine process -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EngineProcess:
    """`uvicorn recommender_engine.app.main:app` in a subprocess on a free port."""

    def __init__(self, env: dict[str, str | None], log_path: Path, startup_timeout: float = 30.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        # None -> "": an empty variable still beats a value in the repo's .env file (which the engine also reads).
        environment = {**os.environ, **{key: value or "" for key, value in env.items()}}
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "recommender_engine.app.main:app", "--host", "127.0.0.1"]
            + ["--port", str(self.port), "--log-level", "warning"],
            cwd=REPO_ROOT,
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
