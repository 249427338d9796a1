"""Read access to the embedding tables Django writes: one repository, over PostgreSQL or the SQLite file.

Only reads: the engine never writes to the database. Table and column names are those of recommender/models.py and
catalog/models.py; the engine's tests build their schema with Django's own migrations, so a renamed column fails
them. What differs between the two databases lives in `dialects.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from recommender_engine.app.core.config import Settings
from recommender_engine.app.services.dialects import Dialect, RepositoryUnavailable, Row, make_dialect

__all__ = ["RepositoryUnavailable"]  # re-exported: callers catch it from here

# resource type -> (embedding table, foreign key column, catalog table)
TABLES: dict[str, tuple[str, str, str]] = {
    "artists": ("recommender_artistembedding", "artist_id", "catalog_artist"),
    "albums": ("recommender_albumembedding", "album_id", "catalog_album"),
    "tracks": ("recommender_trackembedding", "track_id", "catalog_track"),
}
ARTIFACT_TABLE = "recommender_modelartifact"


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


class Repository(Protocol):
    """What the index needs from the database (`SqlRepository`; the index's unit tests use an in-memory one)."""

    def table_states(self) -> dict[str, TableState]: ...

    def active_model(self) -> ActiveModel | None: ...

    def model_payload(self, version: str) -> dict[str, Any]: ...

    def iter_embeddings(self, resource: str, since: datetime | None, batch_size: int) -> Iterator[EmbeddingRows]: ...

    def embedding_ids(self, resource: str) -> list[int]: ...

    def close(self) -> None: ...


def _rows_to_batch(rows: list[Row]) -> EmbeddingRows:
    # No modified_at per row: the caller takes the watermark from table_states() read before the load.
    ids, vectors, quality, versions, metadata, spotify_ids, names = (list(column) for column in zip(*rows, strict=True))
    return EmbeddingRows(ids, vectors, quality, versions, metadata, spotify_ids, names, None)


class SqlRepository:
    """The engine's queries, written once; `{p}` marks a parameter, the dialect runs them."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect

    def table_states(self) -> dict[str, TableState]:
        """Row count and newest modified_at of each embedding table (one query)."""
        parts = [
            f"SELECT '{resource}', count(*), max(modified_at) FROM {table}"  # noqa: S608 - our identifiers, bound values
            for resource, (table, _, _) in TABLES.items()
        ]
        rows = self.dialect.run(" UNION ALL ".join(parts))
        read_time = self.dialect.read_time
        return {resource: TableState(count, read_time(newest) if newest else None) for resource, count, newest in rows}

    def active_model(self) -> ActiveModel | None:
        """Version and dimension of the active model artifact (without its payload), or None."""
        rows = self.dialect.run(
            f"SELECT version, dimension FROM {ARTIFACT_TABLE} WHERE is_active ORDER BY created_at DESC LIMIT 1"  # noqa: S608 - our identifiers, bound values
        )
        return ActiveModel(rows[0][0], int(rows[0][1])) if rows else None

    def model_payload(self, version: str) -> dict[str, Any]:
        """The payload of the model artifact `version`."""
        rows = self.dialect.run(f"SELECT payload FROM {ARTIFACT_TABLE} WHERE version = {{p}}", (version,))  # noqa: S608 - our identifiers, bound values
        if not rows:
            raise RepositoryUnavailable(f"Model artifact {version} disappeared.")
        return self.dialect.read_json(rows[0][0])

    def iter_embeddings(self, resource: str, since: datetime | None, batch_size: int) -> Iterator[EmbeddingRows]:
        """All embeddings of a resource type (or those modified after `since`), in batches, ordered by id."""
        table, foreign_key, catalog = TABLES[resource]
        where = "WHERE e.modified_at > {p} " if since else ""
        sql = (
            f"SELECT e.id, e.vector, e.quality_score, e.model_version, {self.dialect.metadata_column}, c.spotify_id, "  # noqa: S608 - our identifiers, bound values
            f"c.name FROM {table} e JOIN {catalog} c ON c.id = e.{foreign_key} {where}ORDER BY e.id"
        )
        parameters = (self.dialect.time_parameter(since),) if since else ()
        for rows in self.dialect.stream(sql, parameters, batch_size):
            yield _rows_to_batch(rows)

    def embedding_ids(self, resource: str) -> list[int]:
        """The ids of every embedding row of a resource type (to drop deleted rows without a full reload)."""
        return [row[0] for row in self.dialect.run(f"SELECT id FROM {TABLES[resource][0]}")]  # noqa: S608 - our identifiers, bound values

    def close(self) -> None:
        """Release connections."""
        self.dialect.close()


def make_repository(settings: Settings) -> SqlRepository:
    """The repository over the database the settings select (PostgreSQL when configured, else SQLite)."""
    return SqlRepository(make_dialect(settings))


def overlap_since(newest: datetime | None, overlap_seconds: float) -> datetime | None:
    """Where an incremental read starts: the newest change seen (minus an optional overlap for late commits)."""
    return None if newest is None else newest - timedelta(seconds=overlap_seconds)
