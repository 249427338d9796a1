"""juke_ml.index: exact and approximate top-k with exclusions."""

import numpy as np
import pytest

from juke_ml.index import (
    SAMPLE_SIZE,
    ApproximateIndex,
    ExactIndex,
    build_index,
    choose_kind,
    cosine_to_likeness,
    sample_stride,
    top_k,
)


def unit_rows(matrix) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    return np.asarray(matrix / np.linalg.norm(matrix, axis=1, keepdims=True))


@pytest.fixture
def matrix() -> np.ndarray:
    # Row i makes a growing angle with the x axis: the ranking for query x is 0, 1, 2, 3, 4.
    angles = np.array([0.0, 0.2, 0.5, 1.0, 2.0])
    return unit_rows(np.stack([np.cos(angles), np.sin(angles), np.zeros(5)], axis=1))


def test_exact_ranks_by_inner_product(matrix):
    rows, scores = ExactIndex(matrix).search(np.array([1.0, 0.0, 0.0]), 3)

    assert rows.tolist() == [[0, 1, 2]]
    assert np.allclose(scores[0], np.cos([0.0, 0.2, 0.5]))


def test_exact_skips_excluded_rows(matrix):
    rows, _ = ExactIndex(matrix).search(np.array([1.0, 0.0, 0.0]), 3, exclude_rows=[0, 2])

    assert rows.tolist() == [[1, 3, 4]]


def test_k_larger_than_the_index_returns_every_row_ranked(matrix):
    rows, scores = ExactIndex(matrix).search(np.array([1.0, 0.0, 0.0]), 50, exclude_rows=[1])

    assert rows.tolist() == [[0, 2, 3, 4]]
    assert list(scores[0]) == sorted(scores[0], reverse=True)


def test_empty_index_returns_nothing():
    rows, scores = ExactIndex(np.zeros((0, 3), dtype=np.float32)).search(np.array([1.0, 0.0, 0.0]), 5)

    assert rows.shape == (1, 0)
    assert scores.shape == (1, 0)


def test_everything_excluded_returns_nothing(matrix):
    rows, _ = ExactIndex(matrix).search(np.array([1.0, 0.0, 0.0]), 5, exclude_rows=range(5))

    assert rows.shape == (1, 0)


def test_several_queries_at_once(matrix):
    rows, _ = ExactIndex(matrix).search(np.array([[1.0, 0.0, 0.0], [np.cos(2.0), np.sin(2.0), 0.0]]), 1)

    assert rows.tolist() == [[0], [4]]


def test_query_of_the_wrong_dimension_is_refused(matrix):
    with pytest.raises(ValueError, match="dimension 3"):
        ExactIndex(matrix).search(np.array([1.0, 0.0]), 1)


def test_updated_exact_index_sees_the_new_matrix(matrix):
    index = ExactIndex(matrix)
    changed = matrix.copy()
    changed[4] = [1.0, 0.0, 0.0]

    rows, _ = index.updated(changed, np.array([4])).search(np.array([1.0, 0.0, 0.0]), 1, exclude_rows=[0])

    assert rows.tolist() == [[4]]


@pytest.fixture
def clustered() -> np.ndarray:
    rng = np.random.default_rng(7)
    centres = unit_rows(rng.standard_normal((20, 16)))
    points = centres[rng.integers(0, 20, 4000)] + 0.15 * rng.standard_normal((4000, 16))
    return unit_rows(points)


def test_approximate_index_agrees_with_the_exact_one(clustered):
    exact, approximate = ExactIndex(clustered), ApproximateIndex(clustered, m=16, ef_search=64)
    queries = clustered[:50]

    exact_rows, _ = exact.search(queries, 10)
    approximate_rows, approximate_scores = approximate.search(queries, 10)

    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate_rows, exact_rows, strict=True)])
    assert recall > 0.95
    assert (np.diff(approximate_scores, axis=1) <= 1e-6).all()


def test_approximate_index_skips_excluded_rows_and_re_inserts_changed_ones(clustered):
    index = ApproximateIndex(clustered, m=16)
    query = clustered[0]

    rows, _ = index.search(query, 5, exclude_rows=[0])
    assert 0 not in rows[0]
    assert len(rows[0]) == 5

    moved = clustered.copy()
    moved[3999] = query
    appended = np.concatenate([moved, query[None, :]])
    updated = index.updated(appended, np.array([3999, 4000]))
    rows, scores = updated.search(query, 3, exclude_rows=[0])
    assert set(rows[0][:2]) == {3999, 4000}
    assert np.allclose(scores[0][:2], 1.0, atol=1e-5)
    assert updated.stale_nodes == 1  # row 3999's old node stays in the graph, never returned
    _, old_scores = index.search(query, 1, exclude_rows=[0])
    assert old_scores[0][0] < 0.999  # the index it was made from still holds the old vectors


def test_approximate_index_never_returns_a_row_twice_after_updates(clustered):
    index = ApproximateIndex(clustered, m=16)
    changed = clustered.copy()
    changed[:100] = unit_rows(clustered[0] + 0.01 * np.random.default_rng(1).standard_normal((100, 16)))

    rows, _ = index.updated(changed, np.arange(100)).search(clustered[0], 150)

    assert len(set(rows[0].tolist())) == len(rows[0]) == 150
    assert len(set(range(100)) & set(rows[0].tolist())) >= 95


def test_approximate_index_without_rows_renumbers_and_forgets_the_deleted(clustered):
    index = ApproximateIndex(clustered, m=16)
    kept = np.arange(1, len(clustered))  # row 0 deleted

    smaller = index.without_rows(clustered[kept], kept)
    rows, scores = smaller.search(clustered[0], 5)

    exact_rows, exact_scores = ExactIndex(clustered[kept]).search(clustered[0], 5)
    assert rows.tolist() == exact_rows.tolist()
    assert np.allclose(scores, exact_scores)


@pytest.mark.parametrize(
    ("kind", "rows", "expected"),
    [
        ("exact", 10**7, "exact"),
        ("approximate", 10, "approximate"),
        ("auto", 10, "exact"),
        ("auto", 10**7, "approximate"),
    ],
)
def test_choose_kind(kind, rows, expected):
    assert choose_kind(kind, rows, threshold=2_000_000) == expected


def test_choose_kind_refuses_unknown_kinds():
    with pytest.raises(ValueError, match="Unknown index kind"):
        choose_kind("fuzzy", 10)


def test_build_index_builds_the_requested_kind(clustered):
    assert build_index(clustered, "exact").kind == "exact"
    assert build_index(clustered, "approximate", m=8).kind == "approximate"


def test_likeness_is_cosine_clipped_to_zero_one_and_rounded():
    assert cosine_to_likeness(np.array([-0.5, 0.0, 0.12345, 1.0000001])).tolist() == [0.0, 0.0, 0.123, 1.0]


def full_sort(scores: np.ndarray, k: int, excluded=()) -> list[int]:
    """The reference: every row not excluded, by score descending, equal scores by lower row."""
    rows = np.setdiff1d(np.arange(len(scores)), np.asarray(excluded, dtype=np.int64))
    return [int(row) for row in rows[np.lexsort((rows, -scores[rows]))][:k]]


@pytest.mark.parametrize("rows", [1, 7, 1000, 5_000, 2 * SAMPLE_SIZE, 40_003])
@pytest.mark.parametrize("k", [1, 10, 21, 500, 10**6])
@pytest.mark.parametrize("ties", [False, True])
def test_exact_search_equals_a_full_sort(rows, k, ties):
    rng = np.random.default_rng(rows + k)
    if ties:  # a few distinct directions only: most scores tie, also across the k-th place
        matrix = unit_rows(rng.standard_normal((4, 8)))[rng.integers(0, 4, rows)]
    else:
        matrix = unit_rows(rng.standard_normal((rows, 8)))
    query = unit_rows(rng.standard_normal((1, 8)))[0]
    excluded = rng.choice(rows, size=min(rows - 1, 5), replace=False).tolist()
    excluded += [rows + 3, -1]  # some out of range
    index = ExactIndex(matrix)

    found, scores = index.search(query, k, exclude_rows=excluded)

    expected = full_sort(index.matrix @ query, k, [row for row in excluded if 0 <= row < rows])
    assert found[0].tolist() == expected
    assert np.array_equal(scores[0], (index.matrix @ query)[expected])


def test_top_k_stays_exact_when_the_sample_misses_the_best_rows():
    scores = np.linspace(0.0, 1.0, 10 * SAMPLE_SIZE, dtype=np.float32)
    stride = sample_stride(len(scores))
    scores[::stride] = -1.0  # every sampled score is the worst: the sampled threshold keeps (almost) nothing
    scores[5::stride] = 2.0  # and the true best rows sit between the samples

    assert top_k(scores, 30).tolist() == full_sort(scores, 30)


def test_top_k_never_returns_excluded_rows_even_when_k_exceeds_the_rest():
    scores = np.arange(50_000, dtype=np.float32)
    scores[10:] = -np.inf

    assert top_k(scores, 20).tolist() == list(range(9, -1, -1))


def test_non_finite_stored_vectors_score_zero_and_non_finite_queries_are_refused():
    index = ExactIndex(np.array([[np.nan, 1.0], [1.0, 0.0], [np.inf, 0.0]], dtype=np.float32))

    rows, scores = index.search(np.array([1.0, 0.0]), 3)

    assert rows.tolist() == [[1, 0, 2]]
    assert scores.tolist() == [[1.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match="finite"):
        index.search(np.array([np.nan, 0.0]), 1)
