"""/recommend's ranking through the service, as the engine runs it: equal to a full sort after every filter."""

from __future__ import annotations

import json

import numpy as np
import pytest

from juke_ml.index import ExactIndex
from recommender_engine.app.schemas import RecommendRequest, RecommendResponse
from recommender_engine.app.services.recommend import recommend, recommend_json
from recommender_engine.app.services.snapshot import Columns, Snapshot, TypeIndex, decode

ROWS = 40_000  # above the size from which top_k samples a threshold


def catalog(rng: np.random.Generator) -> TypeIndex:
    directions = rng.standard_normal((6, 8)).astype(np.float32)
    matrix = directions[rng.integers(0, 6, ROWS)]  # six directions only: scores tie in large groups
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    names = [f"Track {row % 9_000}" for row in range(ROWS)]  # names repeat: a seed name hides its namesakes
    columns = Columns(
        np.arange(1, ROWS + 1, dtype=np.int64),
        matrix,
        [f"sp{row}" for row in range(ROWS)],
        names,
        np.ones(ROWS, dtype=np.float32),
        ["v1"] * ROWS,
        [None] * ROWS,
        dimension=8,
    )
    return TypeIndex.build(columns, ExactIndex)


def expected_ids(index: TypeIndex, query: np.ndarray, request: RecommendRequest) -> list[str]:
    """Every row by (score descending, row ascending), minus seeds, their namesakes and the excluded ids."""
    scores = index.matrix @ query
    seed_names = {name.lower() for name in request.tracks}
    order = np.lexsort((np.arange(ROWS), -scores))
    kept = [
        index.spotify_ids[row]
        for row in order.tolist()
        if index.names[row].lower() not in seed_names and index.spotify_ids[row] not in request.exclude_spotify_ids
    ]
    return kept[: request.limit]


@pytest.mark.parametrize("limit", [1, 10, 50])
def test_recommend_equals_a_full_sort_with_seeds_namesakes_and_exclusions(limit):
    rng = np.random.default_rng(limit)
    tracks = catalog(rng)
    empty = TypeIndex.build(decode([], 8), ExactIndex)
    snapshot = Snapshot({"artists": empty, "albums": empty, "tracks": tracks}, dimension=8, loaded=True)
    seed_row = int(rng.integers(0, ROWS))
    best_rows = np.lexsort((np.arange(ROWS), -(tracks.matrix @ tracks.matrix[seed_row])))[:200]
    excluded = [tracks.spotify_ids[row] for row in best_rows[::3].tolist()]  # a third of the best are excluded
    request = RecommendRequest(
        tracks=[tracks.names[seed_row]], exclude_spotify_ids=excluded, limit=limit, resource_types=["tracks"]
    )

    response = recommend(snapshot, request)

    query = tracks.matrix[tracks.by_name[tracks.names[seed_row].lower()]]  # one name seed: the query is its vector
    assert [item["extra"]["spotify_id"] for item in response["tracks"]] == expected_ids(tracks, query, request)


def test_stored_metadata_reaches_the_json_answer_whatever_django_wrote():
    metadata = [
        '{"genres": ["rock"]}',
        '{"score": NaN}',
        '{"plays": 123456789012345678901234567890}',
        "[1, 2]",
        "{",
        None,
    ]
    rows = len(metadata)
    matrix = np.tile(np.eye(1, 8, dtype=np.float32), (rows, 1))
    columns = Columns(
        np.arange(1, rows + 1, dtype=np.int64),
        matrix,
        [f"sp{row}" for row in range(rows)],
        [f"Track {row}" for row in range(rows)],
        np.ones(rows, dtype=np.float32),
        ["v1"] * rows,
        metadata,
        dimension=8,
    )
    empty = TypeIndex.build(decode([], 8), ExactIndex)
    snapshot = Snapshot(
        {"artists": empty, "albums": empty, "tracks": TypeIndex.build(columns, ExactIndex)}, dimension=8, loaded=True
    )
    request = RecommendRequest(seed_vectors=[matrix[0].tolist()], resource_types=["tracks"])

    answer = json.loads(recommend_json(snapshot, request))

    assert [item["extra"]["metadata"] for item in answer["tracks"]] == [
        {"genres": ["rock"]},
        {"score": None},  # JSON has no NaN
        {"plays": 123456789012345678901234567890},  # beyond orjson's 64 bits: pydantic-core writes it
        {"value": [1, 2]},
        {},
        {},
    ]
    RecommendResponse.model_validate(answer)
