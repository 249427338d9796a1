"""The in-memory index of every embedding, kept in step with the database by a cheap background poll.

Each refresh reads, per table, `count(*)` and `max(modified_at)` and the active model version. Nothing changed: nothing
is read. Newer rows: only rows modified after the newest one seen are read and upserted. A count that then disagrees
(rows deleted): only the ids are read and the missing rows dropped. A new active model, or every
RECOMMENDER_FULL_RELOAD_SECONDS: everything is reloaded.
Snapshots are immutable and replaced atomically, so requests never lock and never see a half-applied refresh; several
engine replicas each keep their own copy.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from juke_ml.index import ApproximateIndex, ExactIndex, build_index, choose_kind
from recommender_engine.app.core.config import Settings
from recommender_engine.app.schemas import RESOURCE_TYPES
from recommender_engine.app.services.repository import (
    EmbeddingRows,
    Repository,
    RepositoryUnavailable,
    TableState,
    overlap_since,
)

logger = logging.getLogger("recommender_engine.index")


@dataclass(frozen=True)
class TypeIndex:
    """Everything the engine keeps about one resource type; row i of each column is one catalog item."""

    ids: np.ndarray  # embedding row ids (int64), to apply incremental updates
    matrix: np.ndarray  # float32 (n, dimension), L2-normalised
    spotify_ids: list[str]
    names: list[str]
    quality: np.ndarray  # float32
    versions: list[str]  # model_version per row (interned)
    metadata: list[str | None]  # raw JSON text, None when empty
    by_name: dict[str, int]  # lowercase name -> row (highest quality wins among equal names)
    index: ExactIndex | ApproximateIndex
    newest: datetime | None  # max(modified_at) seen
    skipped_ids: frozenset[int] = frozenset()  # rows whose vector has the wrong dimension (not indexed)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dimension(self) -> int | None:
        return self.matrix.shape[1] if self.matrix.ndim == 2 and self.matrix.shape[1] else None

    @property
    def seen_rows(self) -> int:
        return len(self.ids) + len(self.skipped_ids)

    @classmethod
    def empty(cls, dimension: int | None = None) -> TypeIndex:
        matrix = np.zeros((0, dimension or 0), dtype=np.float32)
        return cls(
            np.zeros(0, dtype=np.int64),
            matrix,
            [],
            [],
            np.zeros(0, dtype=np.float32),
            [],
            [],
            {},
            ExactIndex(matrix),
            None,
        )


@dataclass(frozen=True)
class Snapshot:
    """One consistent state of the engine: indexes per type and the model they belong to."""

    types: dict[str, TypeIndex] = field(default_factory=lambda: {name: TypeIndex.empty() for name in RESOURCE_TYPES})
    model: Any = None  # juke_ml.model.MusicModel
    model_version: str | None = None
    model_error: str | None = None
    dimension: int | None = None
    loaded: bool = False  # the database has been read successfully at least once
    last_refresh: datetime | None = None
    last_error: str | None = None

    @property
    def index_kind(self) -> str:
        kinds = {index.index.kind for index in self.types.values()}
        return "approximate" if "approximate" in kinds else "exact"


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


@dataclass
class _Columns:
    """Rows of one or more batches with usable vectors, decoded."""

    ids: np.ndarray
    matrix: np.ndarray
    spotify_ids: list[str]
    names: list[str]
    quality: np.ndarray
    versions: list[str]
    metadata: list[str | None]
    skipped: set[int]
    newest: datetime | None
    dimension: int | None


def _decode(batches: Iterable[EmbeddingRows], dimension: int | None) -> _Columns:
    """Turn DB batches into column arrays; vectors are joined and decoded with one numpy.frombuffer per batch."""
    ids: list[np.ndarray] = []
    matrices: list[np.ndarray] = []
    spotify_ids: list[str] = []
    names: list[str] = []
    quality: list[np.ndarray] = []
    versions: list[str] = []
    metadata: list[str | None] = []
    skipped: set[int] = set()
    newest: datetime | None = None
    interned: dict[str, str] = {}
    for batch in batches:
        if batch.newest is not None and (newest is None or batch.newest > newest):
            newest = batch.newest
        if dimension is None and batch.vectors:
            dimension = len(batch.vectors[0]) // 4
        width = (dimension or 0) * 4
        lengths = np.fromiter(map(len, batch.vectors), dtype=np.int64, count=len(batch.vectors))
        keep = lengths == width
        if width == 0:
            keep[:] = False
        batch_ids = np.asarray(batch.ids, dtype=np.int64)
        if not keep.all():
            skipped.update(batch_ids[~keep].tolist())
            picked = np.flatnonzero(keep)
            select = lambda column, picked=picked: [column[i] for i in picked]  # noqa: E731
        else:
            select = lambda column: column  # noqa: E731
        vectors = select(batch.vectors)
        if not vectors:
            continue
        matrices.append(np.frombuffer(b"".join(vectors), dtype="<f4").reshape(-1, dimension))
        ids.append(batch_ids[keep])
        spotify_ids.extend(select(batch.spotify_ids))
        names.extend(select(batch.names))
        quality.append(np.asarray(select(batch.quality), dtype=np.float32))
        versions.extend(interned.setdefault(v, sys.intern(v)) for v in select(batch.versions))
        metadata.extend(None if not text or text in ("{}", b"{}") else text for text in select(batch.metadata))
    matrix = _normalise(np.concatenate(matrices)) if matrices else np.zeros((0, dimension or 0), dtype=np.float32)
    return _Columns(
        np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
        matrix,
        spotify_ids,
        names,
        np.concatenate(quality) if quality else np.zeros(0, dtype=np.float32),
        versions,
        metadata,
        skipped,
        newest,
        dimension,
    )


def _release_free_memory() -> None:
    """Hand memory freed after a big load back to the OS (glibc keeps it in per-thread arenas otherwise)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _newest(*times: datetime | None) -> datetime | None:
    return max((value for value in times if value is not None), default=None)


def _name_map(names: list[str], quality: np.ndarray) -> dict[str, int]:
    by_name: dict[str, int] = {}
    for row, name in enumerate(names):
        key = name.lower()
        current = by_name.get(key)
        if current is None or quality[row] > quality[current]:
            by_name[key] = row
    return by_name


class EngineState:
    """Owns the current snapshot, refreshes it from the repository, and runs the background poll."""

    def __init__(self, settings: Settings, repository: Repository):
        self.settings = settings
        self.repository = repository
        self._snapshot = Snapshot()
        self._refresh_lock = threading.Lock()
        self._last_full_load = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    # --- refresh -------------------------------------------------------------------------------------------------

    def refresh(self, full: bool = False) -> Snapshot:
        """Bring the snapshot in step with the database; raises RepositoryUnavailable (keeping the old snapshot).

        Also reloads everything once RECOMMENDER_FULL_RELOAD_SECONDS have passed since the last full load, which
        catches what the cheap poll cannot see (a late commit with an older modified_at, a renamed catalog item).
        """
        with self._refresh_lock:
            interval = self.settings.RECOMMENDER_FULL_RELOAD_SECONDS
            if interval and time.monotonic() - self._last_full_load >= interval:
                full = True
            try:
                self._snapshot = self._refreshed(self._snapshot, full)
            except RepositoryUnavailable as error:
                self._snapshot = replace(self._snapshot, last_error=str(error))
                raise
            return self._snapshot

    def _refreshed(self, current: Snapshot, full: bool) -> Snapshot:
        active = self.repository.active_model()
        states = self.repository.table_states()
        model, model_version, model_error = current.model, current.model_version, current.model_error
        active_version = active.version if active else None
        if active_version != current.model_version or not current.loaded:
            model, model_error = self._load_model(active_version)
            model_version = active_version
            full = True
        if full:
            self._last_full_load = time.monotonic()
        dimension = getattr(model, "dimension", None) or (active.dimension if active else None)
        if dimension is None and not full:
            dimension = current.dimension
        types = dict(current.types)
        for resource in RESOURCE_TYPES:
            previous = current.types.get(resource)
            state = states.get(resource, TableState(0, None))
            types[resource], dimension = self._refreshed_type(resource, previous, state, dimension, full)
        return Snapshot(types, model, model_version, model_error, dimension, True, datetime.now(UTC), None)

    def _load_model(self, version: str | None) -> tuple[Any, str | None]:
        if version is None:
            return None, None
        try:
            from juke_ml.model import MusicModel

            model = MusicModel.from_payload(self.repository.model_payload(version))
            logger.info("Loaded model %s (dimension %s).", version, getattr(model, "dimension", "?"))
            return model, None
        except RepositoryUnavailable:
            raise
        except Exception as error:  # noqa: BLE001 - a broken artifact must not take the engine down
            logger.exception("Model %s could not be loaded.", version)
            return None, f"Model {version} could not be loaded: {error}"

    def _refreshed_type(
        self, resource: str, previous: TypeIndex | None, state: TableState, dimension: int | None, full: bool
    ) -> tuple[TypeIndex, int | None]:
        unchanged = previous is not None and state.count == previous.seen_rows and state.newest == previous.newest
        if not full and unchanged:
            return previous, dimension
        compatible = previous is not None and (
            previous.dimension == dimension or previous.dimension is None or len(previous) == 0
        )
        if not full and compatible and previous.newest is not None:
            started = time.perf_counter()
            updated: TypeIndex | None = previous
            read = 0
            if state.newest is not None and state.newest > previous.newest or state.count > previous.seen_rows:
                since = overlap_since(previous.newest, self.settings.RECOMMENDER_REFRESH_OVERLAP_SECONDS)
                columns = _decode(
                    self.repository.iter_embeddings(resource, since, self.settings.RECOMMENDER_LOAD_BATCH), dimension
                )
                read = len(columns.ids)
                updated = self._upsert(previous, columns) if len(previous) else self._build(columns)
                dimension = dimension or columns.dimension
            if updated is not None and updated.seen_rows != state.count:
                updated = self._without_deleted(resource, updated)
            if updated is not None and updated.seen_rows == state.count:
                updated = replace(updated, newest=_newest(previous.newest, state.newest))
                logger.info(
                    "%s: %d changed rows read, %d rows dropped, in %.3f s (%d indexed).",
                    resource,
                    read,
                    max(0, len(previous) + read - len(updated)),
                    time.perf_counter() - started,
                    len(updated),
                )
                return updated, dimension
        started = time.perf_counter()
        columns = _decode(
            self.repository.iter_embeddings(resource, None, self.settings.RECOMMENDER_LOAD_BATCH), dimension
        )
        built = replace(self._build(columns), newest=_newest(state.newest, columns.newest))
        dimension = dimension or columns.dimension
        del columns
        _release_free_memory()
        logger.info(
            "%s: loaded %d vectors in %.3f s (%s index, %d skipped for their dimension).",
            resource,
            len(built),
            time.perf_counter() - started,
            built.index.kind,
            len(built.skipped_ids),
        )
        return built, dimension

    def _index_for(self, matrix: np.ndarray):
        kind = choose_kind(
            self.settings.RECOMMENDER_INDEX, len(matrix), self.settings.RECOMMENDER_APPROXIMATE_THRESHOLD
        )
        if kind == "approximate":
            return build_index(matrix, "approximate", nprobe=self.settings.RECOMMENDER_IVF_NPROBE)
        return build_index(matrix, "exact")

    def _build(self, columns: _Columns) -> TypeIndex:
        return TypeIndex(
            ids=columns.ids,
            matrix=columns.matrix,
            spotify_ids=columns.spotify_ids,
            names=columns.names,
            quality=columns.quality,
            versions=columns.versions,
            metadata=columns.metadata,
            by_name=_name_map(columns.names, columns.quality),
            index=self._index_for(columns.matrix),
            newest=columns.newest,
            skipped_ids=frozenset(columns.skipped),
        )

    def _upsert(self, previous: TypeIndex, columns: _Columns) -> TypeIndex | None:
        """A copy of `previous` with the changed rows replaced and new rows appended; None to force a reload."""
        if columns.skipped - previous.skipped_ids or (columns.dimension and columns.dimension != previous.dimension):
            return None  # a row changed to an unusable dimension: rebuild to drop it
        if not len(columns.ids):
            newest = max(filter(None, (previous.newest, columns.newest)), default=None)
            return replace(previous, newest=newest)
        order = np.argsort(previous.ids, kind="stable")
        sorted_ids = previous.ids[order]
        positions = np.searchsorted(sorted_ids, columns.ids)
        positions_clipped = np.minimum(positions, max(len(sorted_ids) - 1, 0))
        found = (positions < len(sorted_ids)) & (sorted_ids[positions_clipped] == columns.ids)
        existing_rows = order[positions_clipped[found]]
        new_count = int((~found).sum())
        n = len(previous)

        matrix = np.concatenate([previous.matrix, columns.matrix[~found]]) if new_count else previous.matrix.copy()
        matrix[existing_rows] = columns.matrix[found]
        ids = np.concatenate([previous.ids, columns.ids[~found]])
        quality = np.concatenate([previous.quality, columns.quality[~found]])
        quality[existing_rows] = columns.quality[found]
        spotify_ids, names = list(previous.spotify_ids), list(previous.names)
        versions, metadata = list(previous.versions), list(previous.metadata)
        by_name = dict(previous.by_name)
        # Map each changed source row to its target row (existing position or appended position).
        targets = np.empty(len(columns.ids), dtype=np.int64)
        targets[found] = existing_rows
        targets[~found] = np.arange(n, n + new_count)
        for source, row in enumerate(targets.tolist()):
            if row >= n:
                spotify_ids.append(columns.spotify_ids[source])
                names.append(columns.names[source])
                versions.append(columns.versions[source])
                metadata.append(columns.metadata[source])
            else:
                old_key = names[row].lower()
                if by_name.get(old_key) == row and old_key != columns.names[source].lower():
                    del by_name[old_key]
                spotify_ids[row] = columns.spotify_ids[source]
                names[row] = columns.names[source]
                versions[row] = columns.versions[source]
                metadata[row] = columns.metadata[source]
            key = names[row].lower()
            holder = by_name.get(key)
            if holder is None or holder == row or quality[row] > quality[holder]:
                by_name[key] = row
        newest = max(filter(None, (previous.newest, columns.newest)), default=None)
        return TypeIndex(
            ids=ids,
            matrix=matrix,
            spotify_ids=spotify_ids,
            names=names,
            quality=quality,
            versions=versions,
            metadata=metadata,
            by_name=by_name,
            index=previous.index.updated(matrix, targets),
            newest=newest,
            skipped_ids=previous.skipped_ids,
        )

    def _without_deleted(self, resource: str, index: TypeIndex) -> TypeIndex:
        """A copy of `index` without the rows whose embedding no longer exists (reads only the ids)."""
        existing = np.asarray(self.repository.embedding_ids(resource), dtype=np.int64)
        keep = np.isin(index.ids, existing)
        skipped = index.skipped_ids
        if skipped:
            existing_ids = set(existing.tolist())
            skipped = frozenset(row_id for row_id in skipped if row_id in existing_ids)
        if keep.all():
            return replace(index, skipped_ids=skipped)
        rows = np.flatnonzero(keep)
        matrix, quality = index.matrix[rows], index.quality[rows]
        names = [index.names[row] for row in rows.tolist()]
        return TypeIndex(
            ids=index.ids[rows],
            matrix=matrix,
            spotify_ids=[index.spotify_ids[row] for row in rows.tolist()],
            names=names,
            quality=quality,
            versions=[index.versions[row] for row in rows.tolist()],
            metadata=[index.metadata[row] for row in rows.tolist()],
            by_name=_name_map(names, quality),
            index=index.index.updated(matrix, None) if index.index.kind == "exact" else self._index_for(matrix),
            newest=index.newest,
            skipped_ids=skipped,
        )

    # --- background poll -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Load once (errors are logged, not raised), then poll every RECOMMENDER_REFRESH_SECONDS in a daemon thread."""
        try:
            self.refresh(full=True)
        except RepositoryUnavailable as error:
            logger.warning("Recommender data unavailable at startup: %s", error)
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, name="recommender-index-refresh", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.settings.RECOMMENDER_REFRESH_SECONDS):
            try:
                self.refresh()
            except RepositoryUnavailable as error:
                logger.warning("Index refresh failed (serving the cached index): %s", error)
            except Exception:  # noqa: BLE001 - keep polling whatever happens
                logger.exception("Index refresh crashed (serving the cached index).")

    def stop(self) -> None:
        """Stop polling and close the database connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.repository.close()
