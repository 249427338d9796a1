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
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from juke_ml.index import ApproximateIndex, ExactIndex, FloatArray, build_index, choose_kind
from juke_ml.model import MusicModel
from recommender_engine.app.core.config import Settings
from recommender_engine.app.schemas import RESOURCE_TYPES
from recommender_engine.app.services.repository import Repository, RepositoryUnavailable, TableState, overlap_since
from recommender_engine.app.services.snapshot import Snapshot, TypeIndex, decode

logger = logging.getLogger("recommender_engine.index")


def _release_free_memory() -> None:
    """Hand memory freed after a big load back to the OS (glibc keeps it in per-thread arenas otherwise)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _newest(*times: datetime | None) -> datetime | None:
    return max((value for value in times if value is not None), default=None)


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
        dimension = (model.dimension if model is not None else None) or (active.dimension if active else None)
        if dimension is None and not full:
            dimension = current.dimension
        types = dict(current.types)
        for resource in RESOURCE_TYPES:
            previous = None if full else current.types.get(resource)
            state = states.get(resource, TableState(0, None))
            types[resource] = self._refreshed_type(resource, previous, state, dimension)
            dimension = dimension or types[resource].dimension
        if model is None and active is None:  # no model: only the vectors still indexed say what a query must be
            dimension = next((index.vector_dimension for index in types.values() if len(index)), None)
        return Snapshot(types, model, model_version, model_error, dimension, True, datetime.now(UTC), None)

    def _load_model(self, version: str | None) -> tuple[MusicModel | None, str | None]:
        if version is None:
            return None, None
        try:
            model = MusicModel.from_payload(self.repository.model_payload(version))
            logger.info("Loaded model %s (dimension %s).", version, model.dimension)
            return model, None
        except RepositoryUnavailable:
            raise
        except Exception as error:
            logger.exception("Model %s could not be loaded.", version)
            return None, f"Model {version} could not be loaded: {error}"

    def _refreshed_type(
        self, resource: str, previous: TypeIndex | None, state: TableState, dimension: int | None
    ) -> TypeIndex:
        """`previous` brought up to `state`: unchanged, updated incrementally, or (None, or that fails) reloaded."""
        if previous is not None and state.count == previous.seen_rows and state.newest == previous.newest:
            return previous
        compatible = previous is not None and previous.vector_dimension in (dimension, None)
        if previous is not None and previous.newest is not None and (compatible or not len(previous)):
            updated = self._incremental(resource, previous, state, dimension)
            if updated is not None:
                return updated
        started = time.perf_counter()
        columns = decode(
            self.repository.iter_embeddings(resource, None, self.settings.RECOMMENDER_LOAD_BATCH), dimension
        )
        built = replace(TypeIndex.build(columns, self._index_for), newest=_newest(state.newest, columns.newest))
        del columns
        _release_free_memory()
        logger.info(
            "%s: loaded %d vectors in %.3f s (%s index, %d skipped for their dimension).",
            resource,
            len(built),
            time.perf_counter() - started,
            built.index.kind,
            len(built.skipped),
        )
        return built

    def _incremental(
        self, resource: str, previous: TypeIndex, state: TableState, dimension: int | None
    ) -> TypeIndex | None:
        """Read only the rows changed since `previous` (and, when rows were deleted, the ids); None: reload."""
        started = time.perf_counter()
        updated: TypeIndex | None = previous
        read = 0
        seen = previous.newest or datetime.min.replace(tzinfo=UTC)  # the caller only comes here when it is set
        if (state.newest is not None and state.newest > seen) or state.count > previous.seen_rows:
            since = overlap_since(seen, self.settings.RECOMMENDER_REFRESH_OVERLAP_SECONDS)
            batches = self.repository.iter_embeddings(resource, since, self.settings.RECOMMENDER_LOAD_BATCH)
            changed = decode(batches, dimension)
            read = len(changed)
            updated = previous.with_rows(changed) if len(previous) else TypeIndex.build(changed, self._index_for)
        if updated is not None and updated.seen_rows != state.count:
            existing = np.asarray(self.repository.embedding_ids(resource), dtype=np.int64)
            updated = updated.without_missing(existing, self._index_for)
        if updated is None or updated.seen_rows != state.count:
            return None
        logger.info(
            "%s: %d changed rows read, %d rows dropped, in %.3f s (%d indexed).",
            resource,
            read,
            max(0, len(previous) + read - len(updated)),
            time.perf_counter() - started,
            len(updated),
        )
        return replace(updated, newest=_newest(previous.newest, state.newest))

    def _index_for(self, matrix: FloatArray) -> ExactIndex | ApproximateIndex:
        settings = self.settings
        kind = choose_kind(settings.RECOMMENDER_INDEX, len(matrix), settings.RECOMMENDER_APPROXIMATE_THRESHOLD)
        return build_index(
            matrix,
            kind,
            m=settings.RECOMMENDER_HNSW_M,
            ef_construction=settings.RECOMMENDER_HNSW_EF_CONSTRUCTION,
            ef_search=settings.RECOMMENDER_HNSW_EF_SEARCH,
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
            except Exception:
                logger.exception("Index refresh crashed (serving the cached index).")

    def stop(self) -> None:
        """Stop polling and close the database connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.repository.close()
