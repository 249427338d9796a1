"""Read access to the embedding tables Django writes (PostgreSQL through a psycopg pool, or the SQLite file).

Only reads: the engine never writes to the database. Table and column names are those of recommender/models.py and
catalog/models.py; keep them in step.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from recommender_engine.app.core.config import Settings

logger = logging.getLogger(__name__)

# resource type -> (embedding table, foreign key column, catalog table)
TABLES: dict[str, tuple[str, str, str]] = {
    "artists": ("recommender_artistembedding", "artist_id", "catalog_artist"),
    "albums": ("recommender_albumembedding", "album_id", "catalog_album"),
    "tracks": ("recommender_trackembedding", "track_id", "catalog_track"),
}
ARTIFACT_TABLE = "recommender_modelartifact"


class RepositoryUnavailable(Exception):
    """The database could not be read (down, unreachable, or the tables do not exist yet)."""


@dataclass(frozen=True)
class TableState:
    """Cheap change signature of one embedding table."""

    count: int
    newest: datetime | None  # max(modified_at), UTC


@dataclass(frozen=True)
class ActiveModel:
    version: str
    dimension: int


@dataclass
class EmbeddingRows:
    """One batch of embedding rows joined with their catalog item, column by column."""

    ids: list[int]
    vectors: list[bytes]
    quality: list[float]
    versions: list[str]
    metadata: list[str | None]  # raw JSON text, parsed only for returned results
    spotify_ids: list[str]
    names: list[str]
    newest: datetime | None = None  # newest modified_at in the batch, when the repository reads it


def _embedding_query(resource: str, placeholder: str | None, metadata_column: str) -> str:
    table, foreign_key, catalog = TABLES[resource]
    where = f"WHERE e.modified_at > {placeholder} " if placeholder else ""
    return (
        f"SELECT e.id, e.vector, e.quality_score, e.model_version, {metadata_column}, c.spotify_id, c.name "
        f"FROM {table} e JOIN {catalog} c ON c.id = e.{foreign_key} {where}ORDER BY e.id"
    )


def _rows_to_batch(rows: list[tuple]) -> EmbeddingRows:
    # No modified_at per row: the caller takes the watermark from table_states() read before the load.
    ids, vectors, quality, versions, metadata, spotify_ids, names = (list(column) for column in zip(*rows, strict=True))
    return EmbeddingRows(ids, vectors, quality, versions, metadata, spotify_ids, names, None)


class Repository(ABC):
    """What the index needs from the database."""

    @abstractmethod
    def table_states(self) -> dict[str, TableState]:
        """Row count and newest modified_at of each embedding table."""

    @abstractmethod
    def active_model(self) -> ActiveModel | None:
        """Version and dimension of the active model artifact (without its payload), or None."""

    @abstractmethod
    def model_payload(self, version: str) -> dict[str, Any]:
        """The payload of the model artifact `version`."""

    @abstractmethod
    def iter_embeddings(self, resource: str, since: datetime | None, batch_size: int) -> Iterator[EmbeddingRows]:
        """All embeddings of a resource type (or those modified after `since`), in batches, ordered by id."""

    @abstractmethod
    def embedding_ids(self, resource: str) -> list[int]:
        """The ids of every embedding row of a resource type (to drop deleted rows without a full reload)."""

    def close(self) -> None:  # noqa: B027 - optional hook: only the pool has something to release
        """Release connections."""


class SqlRepository(Repository):
    """The queries both databases share. Subclasses give the driver: `_run`, the parameter placeholder, how a
    stored datetime reads back, and the batched embedding load."""

    PLACEHOLDER = "%s"

    @abstractmethod
    def _run(self, function: Callable[[Any], Any]) -> Any:
        """Call `function(connection)`; driver errors become RepositoryUnavailable."""

    def _read_time(self, value: Any) -> datetime:
        return value

    def table_states(self) -> dict[str, TableState]:
        """Row count and newest modified_at of each embedding table."""
        parts = [
            f"SELECT '{resource}', count(*), max(modified_at) FROM {table}"
            for resource, (table, _, _) in TABLES.items()
        ]
        rows = self._run(lambda connection: connection.execute(" UNION ALL ".join(parts)).fetchall())
        return {
            resource: TableState(count, self._read_time(newest) if newest else None) for resource, count, newest in rows
        }

    def active_model(self) -> ActiveModel | None:
        """Version and dimension of the active model artifact (without its payload), or None."""
        row = self._run(
            lambda connection: connection.execute(
                f"SELECT version, dimension FROM {ARTIFACT_TABLE} WHERE is_active ORDER BY created_at DESC LIMIT 1"
            ).fetchone()
        )
        return ActiveModel(row[0], int(row[1])) if row else None

    def model_payload(self, version: str) -> dict[str, Any]:
        """The payload of the model artifact `version`."""
        row = self._run(
            lambda connection: connection.execute(
                f"SELECT payload FROM {ARTIFACT_TABLE} WHERE version = {self.PLACEHOLDER}", (version,)
            ).fetchone()
        )
        if row is None:
            raise RepositoryUnavailable(f"Model artifact {version} disappeared.")
        return row[0] if isinstance(row[0], dict) else json.loads(row[0])  # PostgreSQL decodes JSON, SQLite not

    def embedding_ids(self, resource: str) -> list[int]:
        """The ids of every embedding row of a resource type (to drop deleted rows without a full reload)."""
        table = TABLES[resource][0]
        return [
            row[0] for row in self._run(lambda connection: connection.execute(f"SELECT id FROM {table}").fetchall())
        ]


class PostgresRepository(SqlRepository):
    """PostgreSQL through a small psycopg connection pool; bytea is fetched in binary, in big server-side batches."""

    def __init__(self, settings: Settings):
        from psycopg_pool import ConnectionPool

        self._timeout = settings.RECOMMENDER_DB_TIMEOUT
        self._pool = ConnectionPool(
            settings.postgres_conninfo,
            min_size=settings.RECOMMENDER_DB_POOL_MIN,
            max_size=max(settings.RECOMMENDER_DB_POOL_MAX, settings.RECOMMENDER_DB_POOL_MIN, 1),
            timeout=self._timeout,
            kwargs={"connect_timeout": max(1, int(self._timeout)), "application_name": "juke-recommender-engine"},
            check=ConnectionPool.check_connection,
            open=False,
            name="recommender-engine",
        )
        self._pool.open(wait=False)

    def _run(self, function):
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection(timeout=self._timeout) as connection:
                return function(connection)
        except (psycopg.Error, PoolTimeout, OSError) as error:
            raise RepositoryUnavailable(str(error).strip() or type(error).__name__) from error

    def iter_embeddings(self, resource: str, since: datetime | None, batch_size: int) -> Iterator[EmbeddingRows]:
        import psycopg
        from psycopg_pool import PoolTimeout

        sql = _embedding_query(resource, self.PLACEHOLDER if since else None, "e.metadata::text")
        try:
            with (
                self._pool.connection(timeout=self._timeout) as connection,
                connection.cursor(name=f"engine_load_{resource}", binary=True) as cursor,
            ):
                cursor.itersize = batch_size
                cursor.execute(sql, (since,) if since else None)
                while rows := cursor.fetchmany(batch_size):
                    yield _rows_to_batch(rows)
        except (psycopg.Error, PoolTimeout, OSError) as error:
            raise RepositoryUnavailable(str(error).strip() or type(error).__name__) from error

    def close(self) -> None:
        self._pool.close()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _sqlite_time(value: str | datetime) -> datetime:
    """Django stores SQLite datetimes as naive UTC text ('2026-11-24 00:48:30.123456')."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return _aware(parsed).astimezone(UTC)


class SqliteRepository(SqlRepository):
    """The embedded default: the SQLite file Django writes, opened read-only per operation (WAL allows that)."""

    def __init__(self, settings: Settings):
        self._path = settings.sqlite_file
        self._timeout = settings.RECOMMENDER_DB_TIMEOUT

    PLACEHOLDER = "?"

    def _read_time(self, value: Any) -> datetime:
        return _sqlite_time(value)

    def _connect(self) -> sqlite3.Connection:
        uri = Path(self._path).resolve().as_uri() + "?mode=ro"  # read-only: the engine never writes
        return sqlite3.connect(uri, uri=True, timeout=self._timeout, check_same_thread=False)

    def _run(self, function):
        try:
            connection = self._connect()
            try:
                return function(connection)
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise RepositoryUnavailable(f"{error} ({self._path})") from error

    def iter_embeddings(self, resource: str, since: datetime | None, batch_size: int) -> Iterator[EmbeddingRows]:
        sql = _embedding_query(resource, self.PLACEHOLDER if since else None, "e.metadata")
        # Django's SQLite datetime text: compare as text in the same naive-UTC format.
        parameters = (since.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "),) if since else ()
        try:
            connection = self._connect()
            try:
                cursor = connection.execute(sql, parameters)
                while rows := cursor.fetchmany(batch_size):
                    yield _rows_to_batch(rows)
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise RepositoryUnavailable(f"{error} ({self._path})") from error


def make_repository(settings: Settings) -> Repository:
    """The repository the settings select: PostgreSQL when DATABASE_URL or POSTGRES_* are set, else SQLite."""
    if settings.uses_postgres:
        return PostgresRepository(settings)
    return SqliteRepository(settings)


def overlap_since(newest: datetime | None, overlap_seconds: float) -> datetime | None:
    """Where an incremental read starts: the newest change seen (minus an optional overlap for late commits)."""
    return None if newest is None else newest - timedelta(seconds=overlap_seconds)
