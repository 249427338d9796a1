"""Everything that differs between PostgreSQL and SQLite for the engine's reads, behind one small interface.

`SqlRepository` writes its queries once with `{p}` for a parameter; a `Dialect` connects, runs them, streams big
results in batches, and converts values (datetimes, JSON) the way its driver and Django's storage need.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from recommender_engine.app.core.config import Settings

T = TypeVar("T")
Row = tuple[Any, ...]


class RepositoryUnavailable(Exception):
    """The database could not be read (down, unreachable, or the tables do not exist yet)."""


class Dialect(Protocol):
    """How one database is reached and how its values read back."""

    metadata_column: str  # SQL for the embedding's metadata as JSON text

    def run(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Row]:
        """All rows of one query; driver errors become RepositoryUnavailable."""
        ...

    def stream(self, sql: str, parameters: tuple[Any, ...], batch_size: int) -> Iterator[list[Row]]:
        """The rows of one big query in batches, without holding them all; errors become RepositoryUnavailable."""
        ...

    def time_parameter(self, value: datetime) -> Any: ...

    def read_time(self, value: Any) -> datetime: ...

    def read_json(self, value: Any) -> dict[str, Any]: ...

    def close(self) -> None: ...


class PostgresDialect:
    """A small psycopg pool; big reads go through a binary server-side cursor (bytea arrives as bytes, unescaped)."""

    metadata_column = "e.metadata::text"

    def __init__(self, settings: Settings):
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

    def _with_connection(self, function: Callable[[psycopg.Connection[Any]], T]) -> T:
        try:
            with self._pool.connection(timeout=self._timeout) as connection:
                return function(connection)
        except (psycopg.Error, PoolTimeout, OSError) as error:
            raise RepositoryUnavailable(str(error).strip() or type(error).__name__) from error

    def run(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Row]:
        return self._with_connection(lambda connection: connection.execute(sql.format(p="%s"), parameters).fetchall())

    def stream(self, sql: str, parameters: tuple[Any, ...], batch_size: int) -> Iterator[list[Row]]:
        try:
            with (
                self._pool.connection(timeout=self._timeout) as connection,
                connection.cursor(name="engine_load", binary=True) as cursor,
            ):
                cursor.itersize = batch_size
                cursor.execute(sql.format(p="%s"), parameters)
                while rows := cursor.fetchmany(batch_size):
                    yield rows
        except (psycopg.Error, PoolTimeout, OSError) as error:
            raise RepositoryUnavailable(str(error).strip() or type(error).__name__) from error

    def time_parameter(self, value: datetime) -> Any:
        return value

    def read_time(self, value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

    def read_json(self, value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else dict(json.loads(value))  # jsonb arrives decoded

    def close(self) -> None:
        self._pool.close()


class SqliteDialect:
    """The SQLite file Django writes, opened read-only per operation (WAL lets readers and the writer overlap).

    Django stores datetimes there as naive UTC text ('2026-11-24 00:48:30.123456') and JSON as text.
    """

    metadata_column = "e.metadata"

    def __init__(self, settings: Settings):
        self._path = settings.sqlite_file
        self._timeout = settings.RECOMMENDER_DB_TIMEOUT

    def _connect(self) -> sqlite3.Connection:
        uri = Path(self._path).resolve().as_uri() + "?mode=ro"  # read-only: the engine never writes
        return sqlite3.connect(uri, uri=True, timeout=self._timeout, check_same_thread=False)

    @contextmanager
    def _cursor(self, sql: str, parameters: tuple[Any, ...]) -> Iterator[sqlite3.Cursor]:
        try:
            connection = self._connect()
            try:
                yield connection.execute(sql.format(p="?"), parameters)
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise RepositoryUnavailable(f"{error} ({self._path})") from error

    def run(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Row]:
        with self._cursor(sql, parameters) as cursor:
            return cursor.fetchall()

    def stream(self, sql: str, parameters: tuple[Any, ...], batch_size: int) -> Iterator[list[Row]]:
        with self._cursor(sql, parameters) as cursor:
            while rows := cursor.fetchmany(batch_size):
                yield rows

    def time_parameter(self, value: datetime) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")  # compares as text, like Django stores it

    def read_time(self, value: Any) -> datetime:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    def read_json(self, value: Any) -> dict[str, Any]:
        return dict(json.loads(value))

    def close(self) -> None:
        """Nothing held between operations."""


def make_dialect(settings: Settings) -> Dialect:
    """PostgreSQL when DATABASE_URL or POSTGRES_* are set (as in Django's settings), else the SQLite file."""
    return PostgresDialect(settings) if settings.uses_postgres else SqliteDialect(settings)
