"""The one repository, through each dialect, against schemas built by Django's migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from recommender_engine.app.core.config import Settings
from recommender_engine.app.services.repository import RepositoryUnavailable, SqlRepository, make_repository
from recommender_engine.tests.database import EngineDatabase


@pytest.fixture(params=["sqlite_db", "postgres_db"])
def database(request: pytest.FixtureRequest) -> Iterator[EngineDatabase]:
    database: EngineDatabase = request.getfixturevalue(request.param)
    database.clear()
    yield database
    database.clear()  # the engine process of the HTTP tests may share this database


@pytest.fixture
def repository(database: EngineDatabase) -> Iterator[SqlRepository]:
    repository = make_repository(Settings(_env_file=None, **database.env))  # type: ignore[arg-type]
    yield repository
    repository.close()


def test_reads_embeddings_with_their_catalog_names_in_id_order(database, repository):
    first = database.add("tracks", "First", [1.0, 0.0], metadata={"genres": ["rock"]}, quality=0.5)
    database.add("tracks", "Second", [0.0, 2.0])
    database.add("artists", "Someone", [1.0, 1.0])

    [batch] = list(repository.iter_embeddings("tracks", None, batch_size=10))

    assert batch.names == ["First", "Second"]
    assert batch.spotify_ids[0] == first
    assert np.frombuffer(batch.vectors[1], dtype="<f4").tolist() == [0.0, 2.0]
    assert batch.quality == [0.5, 1.0]
    assert batch.versions == ["test-v1", "test-v1"]
    assert batch.metadata[0] is not None
    assert '"rock"' in batch.metadata[0]
    assert batch.ids == sorted(batch.ids)
    assert repository.embedding_ids("tracks") == batch.ids


def test_table_states_count_rows_and_read_the_newest_change_in_utc(database, repository):
    before = datetime.now(UTC) - timedelta(seconds=1)
    database.add("albums", "A", [1.0, 0.0])

    states = repository.table_states()

    assert states["albums"].count == 1
    assert states["tracks"].count == 0
    assert states["tracks"].newest is None
    assert states["albums"].newest is not None
    assert before < states["albums"].newest <= datetime.now(UTC)


def test_incremental_reads_only_rows_modified_after_since(database, repository):
    database.add("tracks", "Old", [1.0, 0.0])
    since = repository.table_states()["tracks"].newest
    database.add("tracks", "New", [0.0, 1.0])

    batches = list(repository.iter_embeddings("tracks", since, batch_size=1))

    assert [name for batch in batches for name in batch.names] == ["New"]


def test_active_model_and_its_payload(database, repository):
    assert repository.active_model() is None
    database.activate_model({"kind": "test", "dimension": 2}, "v1", 2)
    database.activate_model({"kind": "test", "dimension": 3}, "v2", 3)

    active = repository.active_model()

    assert active is not None
    assert (active.version, active.dimension) == ("v2", 3)
    assert repository.model_payload("v2") == {"kind": "test", "dimension": 3}
    with pytest.raises(RepositoryUnavailable, match="disappeared"):
        repository.model_payload("gone")


def test_batches_split_big_reads(database, repository):
    for position in range(5):
        database.add("tracks", f"T{position}", [1.0, float(position)])

    sizes = [len(batch.ids) for batch in repository.iter_embeddings("tracks", None, batch_size=2)]

    assert sizes == [2, 2, 1]


def test_a_missing_database_is_unavailable_not_a_crash(tmp_path):
    repository = make_repository(Settings(_env_file=None, SQLITE_PATH=str(tmp_path / "none.sqlite3")))

    with pytest.raises(RepositoryUnavailable):
        repository.table_states()
