"""The in-memory index and its refresh logic, against an in-memory repository (no database, no HTTP)."""

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from juke_ml.index import ApproximateIndex
from recommender_engine.app.core.config import Settings
from recommender_engine.app.services.index_store import EngineState
from recommender_engine.app.services.repository import (
    ActiveModel,
    EmbeddingRows,
    Repository,
    RepositoryUnavailable,
    TableState,
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


class MemoryRepository(Repository):
    """Rows per resource type: id -> (vector, name, spotify_id, modified_at); records what was read."""

    def __init__(self):
        self.rows: dict[str, dict[int, tuple[bytes, str, str, datetime]]] = {"artists": {}, "albums": {}, "tracks": {}}
        self.reads: list[tuple[str, datetime | str | None, int]] = []
        self.model: ActiveModel | None = None
        self.down = False
        self.clock = T0
        self._next_id = 1

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def add(self, resource: str, name: str, vector, spotify_id: str | None = None) -> int:
        row_id, self._next_id = self._next_id, self._next_id + 1
        vector = np.asarray(vector, dtype="<f4")
        self.rows[resource][row_id] = (vector.tobytes(), name, spotify_id or f"sp{row_id}", self.tick())
        return row_id

    def update(self, resource: str, row_id: int, vector) -> None:
        _, name, spotify_id, _ = self.rows[resource][row_id]
        self.rows[resource][row_id] = (np.asarray(vector, dtype="<f4").tobytes(), name, spotify_id, self.tick())

    def _check(self):
        if self.down:
            raise RepositoryUnavailable("database down")

    def table_states(self):
        self._check()
        return {
            resource: TableState(len(rows), max((row[3] for row in rows.values()), default=None))
            for resource, rows in self.rows.items()
        }

    def active_model(self):
        self._check()
        return self.model

    def embedding_ids(self, resource):
        self._check()
        self.reads.append((resource, "ids", len(self.rows[resource])))
        return list(self.rows[resource])

    def close(self) -> None:
        return None

    def model_payload(self, version):
        raise AssertionError("no model in these tests")

    def iter_embeddings(self, resource, since, batch_size):
        self._check()
        selected = [
            (row_id, row) for row_id, row in sorted(self.rows[resource].items()) if since is None or row[3] > since
        ]
        self.reads.append((resource, since, len(selected)))
        for start in range(0, len(selected), batch_size):
            chunk = selected[start : start + batch_size]
            yield EmbeddingRows(
                ids=[row_id for row_id, _ in chunk],
                vectors=[row[0] for _, row in chunk],
                quality=[1.0] * len(chunk),
                versions=["v1"] * len(chunk),
                metadata=["{}"] * len(chunk),
                spotify_ids=[row[2] for _, row in chunk],
                names=[row[1] for _, row in chunk],
                newest=max(row[3] for _, row in chunk),
            )


@pytest.fixture
def repository() -> MemoryRepository:
    return MemoryRepository()


@pytest.fixture
def state(repository) -> EngineState:
    settings = Settings(_env_file=None, RECOMMENDER_LOAD_BATCH=100, RECOMMENDER_INDEX="exact")
    return EngineState(settings, repository)


def top(state: EngineState, resource: str, query, k: int = 3) -> list[str]:
    index = state.snapshot.types[resource]
    rows, _ = index.index.search(np.asarray(query, dtype=np.float32), k)
    return [index.names[row] for row in rows[0]]


def test_full_load_decodes_and_normalises_vectors(state, repository):
    repository.add("tracks", "A", [2.0, 0.0])
    repository.add("tracks", "B", [0.0, 3.0])

    snapshot = state.refresh()

    tracks = snapshot.types["tracks"]
    assert len(tracks) == 2
    assert snapshot.dimension == 2
    assert np.allclose(tracks.matrix, [[1, 0], [0, 1]])
    assert tracks.by_name == {"a": 0, "b": 1}


def test_nothing_changed_reads_nothing(state, repository):
    repository.add("tracks", "A", [1.0, 0.0])
    state.refresh()
    reads = len(repository.reads)

    state.refresh()

    assert len(repository.reads) == reads


def test_new_and_changed_rows_are_read_incrementally(state, repository):
    for position in range(50):
        repository.add("tracks", f"T{position}", [1.0, 0.01 * position])
    state.refresh()
    changed = repository.add("tracks", "New", [0.0, 1.0])
    repository.update("tracks", 1, [-1.0, 0.0])
    repository.reads.clear()

    state.refresh()

    [(resource, since, count)] = repository.reads  # only the two changed rows were read
    assert resource == "tracks"
    assert since is not None
    assert count == 2
    assert len(state.snapshot.types["tracks"]) == 51
    assert top(state, "tracks", [0.0, 1.0], 1) == ["New"]
    assert top(state, "tracks", [-1.0, 0.0], 1) == ["T0"]
    assert state.snapshot.types["tracks"].by_name["new"] == 50
    assert changed == 51


def test_deleted_rows_are_dropped_by_reading_only_the_ids(state, repository):
    repository.add("tracks", "A", [1.0, 0.0])
    gone = repository.add("tracks", "B", [0.0, 1.0])
    state.refresh()
    del repository.rows["tracks"][gone]
    repository.reads.clear()

    state.refresh()

    assert len(state.snapshot.types["tracks"]) == 1
    assert repository.reads == [("tracks", "ids", 1)]  # only the ids were read, not the vectors
    assert top(state, "tracks", [0.0, 1.0], 1) == ["A"]
    assert state.snapshot.types["tracks"].by_name == {"a": 0}


def test_the_vectors_are_held_once_column_major_through_loads_updates_and_deletions(state, repository):
    for position in range(5):
        repository.add("tracks", f"T{position}", [1.0, 0.1 * position])
    loaded = state.refresh().types["tracks"]
    repository.add("tracks", "New", [0.0, 1.0])
    updated = state.refresh().types["tracks"]
    del repository.rows["tracks"][1]
    trimmed = state.refresh().types["tracks"]

    for index in (loaded, updated, trimmed):
        assert index.matrix is index.index.matrix  # no second copy of the vectors
        assert index.matrix.flags.f_contiguous  # column-major: the exact index's product is cheaper
    assert len(trimmed) == 5


def test_vectors_of_another_dimension_are_skipped_without_reloading_forever(state, repository):
    repository.add("tracks", "A", [1.0, 0.0])
    repository.add("tracks", "Odd", [1.0, 0.0, 0.0])
    state.refresh()
    repository.reads.clear()

    state.refresh()

    assert len(state.snapshot.types["tracks"]) == 1
    assert repository.reads == []


def test_a_failed_refresh_keeps_serving_the_cached_index(state, repository):
    repository.add("artists", "A", [1.0, 0.0])
    state.refresh()
    repository.down = True

    with pytest.raises(RepositoryUnavailable):
        state.refresh()

    assert state.snapshot.loaded
    assert state.snapshot.last_error == "database down"
    assert top(state, "artists", [1.0, 0.0], 1) == ["A"]


def test_snapshots_are_not_modified_by_later_refreshes(state, repository):
    repository.add("tracks", "A", [1.0, 0.0])
    before = state.refresh()
    repository.update("tracks", 1, [0.0, 1.0])

    state.refresh()

    assert np.allclose(before.types["tracks"].matrix[0], [1.0, 0.0])
    assert np.allclose(state.snapshot.types["tracks"].matrix[0], [0.0, 1.0])


def test_deleted_and_added_rows_in_one_refresh(state, repository):
    first = repository.add("tracks", "A", [1.0, 0.0])
    repository.add("tracks", "B", [0.0, 1.0])
    state.refresh()
    del repository.rows["tracks"][first]
    repository.add("tracks", "C", [1.0, 0.1])

    state.refresh()

    assert sorted(state.snapshot.types["tracks"].names) == ["B", "C"]
    assert top(state, "tracks", [1.0, 0.0], 1) == ["C"]


def test_a_full_reload_happens_after_the_configured_interval(repository):
    state = EngineState(Settings(_env_file=None, RECOMMENDER_FULL_RELOAD_SECONDS=0.01), repository)
    repository.add("tracks", "A", [1.0, 0.0])
    state.refresh()
    repository.reads.clear()
    time.sleep(0.02)

    state.refresh()

    assert ("tracks", None, 1) in repository.reads


def test_without_a_model_the_query_dimension_follows_the_vectors_still_indexed(state, repository):
    first = repository.add("tracks", "A", [1.0, 0.0])
    assert state.refresh().dimension == 2
    del repository.rows["tracks"][first]

    assert state.refresh().dimension is None  # emptied: a query of any dimension is acceptable again
    repository.add("tracks", "B", [1.0, 0.0, 0.0, 0.0])
    assert state.refresh().dimension == 4


def test_the_approximate_index_follows_changes_and_deletions_without_a_rebuild(repository):
    settings = Settings(_env_file=None, RECOMMENDER_INDEX="approximate", RECOMMENDER_HNSW_M=8)
    state = EngineState(settings, repository)
    rng = np.random.default_rng(5)
    for position in range(300):
        repository.add("tracks", f"T{position}", rng.standard_normal(8))
    state.refresh()
    first_graph = state.snapshot.types["tracks"].index
    repository.update("tracks", 1, [1.0] + [0.0] * 7)
    newcomer = repository.add("tracks", "New", [0.0, 1.0] + [0.0] * 6)
    del repository.rows["tracks"][2]

    state.refresh()

    tracks = state.snapshot.types["tracks"]
    assert isinstance(tracks.index, ApproximateIndex)
    assert tracks.index is not first_graph
    assert tracks.index.stale_nodes == 2  # T0's old node and deleted T1's: kept in the graph, not rebuilt
    assert len(tracks) == 300
    assert "t1" not in tracks.by_name
    assert top(state, "tracks", [1.0] + [0.0] * 7, 1) == ["T0"]
    assert top(state, "tracks", [0.0, 1.0] + [0.0] * 6, 1) == ["New"]
    assert "T1" not in top(state, "tracks", rng.standard_normal(8), 300)  # deleted: never returned
    assert newcomer == 301
