"""Test databases for the engine, built by Django's own migrations, and a writer that fills them as Django does.

`manage.py migrate` runs in a subprocess (the engine and its tests never import Django). The writer names every
column Django requires (Django's defaults live in Python, not in the schema): a new required column, or a renamed
one the engine reads, fails the engine's tests instead of production.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt
import psycopg

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_VARIABLES = ("POSTGRES_NAME", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_HOST", "POSTGRES_PORT")
CATALOG_TABLES = {"artists": "catalog_artist", "albums": "catalog_album", "tracks": "catalog_track"}
EMBEDDING_TABLES = {
    "artists": ("recommender_artistembedding", "artist_id"),
    "albums": ("recommender_albumembedding", "album_id"),
    "tracks": ("recommender_trackembedding", "track_id"),
}
# The required columns of each catalog table beyond spotify_id, name and the timestamps, as the catalog app sets them.
CATALOG_REQUIRED: dict[str, dict[str, Any]] = {
    "artists": {"spotify_data": "{}", "custom_data": "{}", "images": "[]"},
    "albums": {
        "spotify_data": "{}",
        "custom_data": "{}",
        "images": "[]",
        "album_type": "album",
        "total_tracks": 1,
        "release_date_precision": "day",
    },
    "tracks": {
        "spotify_data": "{}",
        "custom_data": "{}",
        "images": "[]",
        "track_number": 1,
        "disc_number": 1,
        "duration_ms": 200_000,
        "explicit": False,
    },
}


def unit(vector: npt.ArrayLike) -> npt.NDArray[np.float32]:
    array = np.asarray(vector, dtype=np.float32)
    return np.asarray(array / np.linalg.norm(array), dtype=np.float32)


def migrate(environment: Mapping[str, str]) -> None:
    """`manage.py migrate` with the test settings against the database `environment` selects."""
    blank = dict.fromkeys(("DATABASE_URL", *POSTGRES_VARIABLES), "")  # beats the repo's .env
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO_ROOT,
        env={**os.environ, **blank, "DJANGO_SETTINGS_MODULE": "settings.test", **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")


class EngineDatabase:
    """Writes catalog items, embeddings and model artifacts the way Django does (auto_now timestamps included).

    `env` holds the variables that point the engine (and manage.py) at this database.
    """

    def __init__(self, postgres: bool, env: dict[str, str], connect: Callable[[], Any], name: str = ""):
        self.postgres = postgres
        self.env = env
        self.name = name
        self._connect = connect

    def execute(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.postgres:
            sql = sql.replace("%s", "?")
        connection = self._connect()
        try:
            cursor = connection.execute(sql, parameters)
            rows = cursor.fetchall() if cursor.description else []
            connection.commit()
            return list(rows)
        finally:
            connection.close()

    def now(self) -> datetime | str:
        now = datetime.now(UTC)
        return now if self.postgres else now.replace(tzinfo=None).isoformat(sep=" ")

    def add(
        self,
        resource: str,
        name: str,
        vector: npt.ArrayLike,
        *,
        spotify_id: str | None = None,
        quality: float = 1.0,
        model_version: str = "test-v1",
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """One catalog item of `resource` ("artists", "albums", "tracks") with its embedding; returns its spotify_id."""
        spotify_id = spotify_id or uuid.uuid4().hex[:22]
        now = self.now()
        required = CATALOG_REQUIRED[resource]
        columns = ", ".join(["spotify_id", "name", "created_at", "modified_at", *required])
        catalog_id = self.execute(
            f"INSERT INTO {CATALOG_TABLES[resource]} ({columns}) VALUES ({', '.join(['%s'] * (4 + len(required)))}) "
            "RETURNING id",
            (spotify_id, name, now, now, *required.values()),
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
                json.dumps(metadata or {}),
                now,
                now,
            ),
        )
        return spotify_id

    def update_vector(self, resource: str, spotify_id: str, vector: npt.ArrayLike) -> None:
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

    def activate_model(self, payload: dict[str, Any], version: str, dimension: int) -> None:
        self.execute("UPDATE recommender_modelartifact SET is_active = %s", (False,))
        self.execute(
            "INSERT INTO recommender_modelartifact (version, dimension, payload, metrics, is_active, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (version, dimension, json.dumps(payload), "{}", True, self.now()),
        )

    def clear(self) -> None:
        for table, _ in EMBEDDING_TABLES.values():
            self.execute(f"DELETE FROM {table}")
        for table in CATALOG_TABLES.values():
            self.execute(f"DELETE FROM {table}")
        self.execute("DELETE FROM recommender_modelartifact")


def migrated_sqlite(path: Path) -> EngineDatabase:
    """A fresh SQLite file at `path`, migrated."""
    migrate({"SQLITE_PATH": str(path)})
    env = {"DATABASE_URL": "", "SQLITE_PATH": str(path), **dict.fromkeys(POSTGRES_VARIABLES, "")}
    return EngineDatabase(False, env, lambda: sqlite3.connect(path, timeout=20))


def postgres_settings(environment: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Connection settings from DATABASE_URL or POSTGRES_* (as Django reads them), or None when neither is set."""
    environment = os.environ if environment is None else environment
    if environment.get("DATABASE_URL", "").startswith("postgres"):
        url = urlsplit(environment["DATABASE_URL"])
        return {
            "name": url.path.lstrip("/") or "juke",
            "user": url.username or "postgres",
            "password": url.password or "",
            "host": url.hostname or "127.0.0.1",
            "port": str(url.port or 5432),
        }
    if any(environment.get(name) for name in POSTGRES_VARIABLES):
        return {
            "name": environment.get("POSTGRES_NAME") or "juke",
            "user": environment.get("POSTGRES_USER") or "postgres",
            "password": environment.get("POSTGRES_PASSWORD", ""),
            "host": environment.get("POSTGRES_HOST") or "127.0.0.1",
            "port": environment.get("POSTGRES_PORT") or "5432",
        }
    return None


def _admin(settings: Mapping[str, str]) -> dict[str, Any]:
    return {key: settings[key] for key in ("user", "password", "host", "port")}


def create_postgres_database(settings: Mapping[str, str], name: str) -> EngineDatabase:
    """A fresh database `name` (dropped first if it exists), migrated; OSError when PostgreSQL is unreachable."""
    admin = _admin(settings)
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise OSError(str(error)) from error
    env = {
        "DATABASE_URL": "",
        "POSTGRES_NAME": name,
        "POSTGRES_USER": admin["user"],
        "POSTGRES_PASSWORD": admin["password"],
        "POSTGRES_HOST": admin["host"],
        "POSTGRES_PORT": admin["port"],
    }
    migrate(env)
    return EngineDatabase(True, env, lambda: psycopg.connect(dbname=name, **admin), name=name)


def drop_postgres_database(database: EngineDatabase) -> None:
    admin: dict[str, Any] = {
        key.removeprefix("POSTGRES_").lower(): value for key, value in database.env.items() if "POSTGRES_" in key
    }
    admin.pop("name", None)
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
