"""Top-k search over L2-normalised vectors by inner product (= cosine similarity).

`ExactIndex` scores every row with one matrix-vector product, then selects the best k without sorting or
partitioning the whole score array (see `top_k`): exact, no build cost, within a few percent of the time it takes to
stream the matrix once. `ApproximateIndex` is a faiss HNSW graph for catalogs where even that is too slow.
Both answer `search(query_vectors, k, exclude_rows) -> (rows, scores)` and are immutable once built: an update
returns a new index, so readers never see a half-applied change. Decision record: docs/adr/0007-engine-top-k.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
RowArray = npt.NDArray[np.int64]
IndexKind = Literal["exact", "approximate"]

INDEX_KINDS = ("exact", "approximate", "auto")
DEFAULT_APPROXIMATE_THRESHOLD = 2_000_000
# At most this many scores are sampled to guess the k-th best, one in every MIN_STRIDE or more; below
# SAMPLED_FROM rows a partition of every score is as cheap.
SAMPLE_SIZE = 8_192
MIN_STRIDE = 16
SAMPLED_FROM = 4_096
PARALLEL_BUILD_ROWS = 100_000
DEFAULT_HNSW_M = 32
DEFAULT_HNSW_EF_CONSTRUCTION = 40
DEFAULT_HNSW_EF_SEARCH = 256


class VectorIndex(Protocol):
    """What the engine needs from an index; `ExactIndex` and `ApproximateIndex` both provide it."""

    @property
    def kind(self) -> IndexKind: ...

    def __len__(self) -> int: ...

    def search(
        self, query_vectors: npt.ArrayLike, k: int, exclude_rows: Iterable[int] | None = None
    ) -> tuple[RowArray, FloatArray]: ...

    def updated(self, matrix: FloatArray, changed_rows: RowArray | None = None) -> VectorIndex: ...


def _empty_result(queries: int) -> tuple[RowArray, FloatArray]:
    return np.empty((queries, 0), dtype=np.int64), np.empty((queries, 0), dtype=np.float32)


def _as_queries(query_vectors: npt.ArrayLike, dimension: int) -> FloatArray:
    queries = np.asarray(query_vectors, dtype=np.float32)
    if queries.ndim == 1:
        queries = queries[np.newaxis, :]
    if queries.ndim != 2 or queries.shape[1] != dimension:
        raise ValueError(f"Query vectors must have dimension {dimension}, got shape {queries.shape}.")
    if not np.isfinite(queries).all():
        raise ValueError("Query vectors must be finite.")
    return np.ascontiguousarray(queries)


def _as_matrix(matrix: npt.ArrayLike, order: Literal["C", "F"] = "C") -> FloatArray:
    """A contiguous float32 matrix; non-finite entries (a corrupt stored vector) become 0 so scores stay ordered."""
    array = np.asarray(matrix, dtype=np.float32, order=order)
    if array.ndim != 2:
        raise ValueError(f"The index matrix must be 2-dimensional, got shape {array.shape}.")
    if not np.isfinite(array).all():
        array = np.asarray(np.where(np.isfinite(array), array, np.float32(0.0)), order=order)
    return array


def _exclusion_array(exclude_rows: Iterable[int] | None, rows: int) -> RowArray:
    if exclude_rows is None:
        return np.empty(0, dtype=np.int64)
    excluded = np.unique(np.fromiter((int(row) for row in exclude_rows), dtype=np.int64))
    return excluded[(excluded >= 0) & (excluded < rows)]


def sample_stride(rows: int) -> int:
    """Every how many scores one is sampled."""
    return max(MIN_STRIDE, rows // SAMPLE_SIZE)


def _sampled_threshold(scores: FloatArray, k: int) -> float | None:
    """A score that about 2k (at least k, almost always) rows reach, read from an evenly strided sample.

    The sample's j-th best estimates the (j * stride)-th best of all; asking for twice the rank needed, plus slack,
    makes falling short rare, and `top_k` checks the count anyway.
    """
    stride = sample_stride(len(scores))
    sample = scores[::stride]
    rank = min(len(sample), 2 * (k // stride) + 16)
    value = float(np.partition(sample, len(sample) - rank)[len(sample) - rank])
    return value if value > -np.inf else None


def top_k(scores: FloatArray, k: int) -> RowArray:
    """Rows of the k highest finite scores, best first, equal scores by lower row; -inf rows are never returned.

    Exactly `np.lexsort((rows, -scores))[:k]` without the -inf rows, at the cost of one pass over `scores`: a
    threshold from a sample keeps a few hundred candidates (every row at or above it, so ties are never cut), and
    only those are partitioned and sorted. A full partition of a million scores costs more than the matrix product.
    """
    if k <= 0 or len(scores) == 0:
        return np.empty(0, dtype=np.int64)
    threshold = _sampled_threshold(scores, k) if len(scores) >= SAMPLED_FROM else None
    candidates = np.flatnonzero(scores >= threshold) if threshold is not None else None
    if candidates is None or len(candidates) < k:
        candidates = np.flatnonzero(scores > -np.inf)
    if len(candidates) > k:
        values = scores[candidates]
        kth = values[np.argpartition(values, len(values) - k)[len(values) - k]]
        candidates = candidates[values >= kth]
    order = np.lexsort((candidates, -scores[candidates]))[:k]
    return candidates[order].astype(np.int64, copy=False)


class ExactIndex:
    """Brute force: one matrix-vector product per query over all rows, then `top_k`.

    The matrix is stored column-major: BLAS then sums 32 long columns instead of taking n dot products of length 32,
    about 30% less CPU time at 1M rows (bench/RESULTS.md, "Engine"; ADR 0007).
    """

    kind: IndexKind = "exact"

    def __init__(self, matrix: npt.ArrayLike):
        self.matrix = _as_matrix(matrix, order="F")

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.matrix.shape[1])

    def search(
        self, query_vectors: npt.ArrayLike, k: int, exclude_rows: Iterable[int] | None = None
    ) -> tuple[RowArray, FloatArray]:
        """The k best rows per query, best first (equal scores: lower row first), skipping `exclude_rows`.

        Returns `(rows, scores)`, both shaped (queries, m) with m = min(k, rows available); scores are inner products.
        """
        queries = _as_queries(query_vectors, self.dimension)
        excluded = _exclusion_array(exclude_rows, len(self))
        m = max(0, min(int(k), len(self) - len(excluded)))
        if m == 0:
            return _empty_result(len(queries))
        rows = np.empty((len(queries), m), dtype=np.int64)
        scores = np.empty((len(queries), m), dtype=np.float32)
        for position, query in enumerate(queries):  # one matrix-vector product per query: faster than 2-D here
            row_scores: FloatArray = self.matrix @ query
            row_scores[excluded] = -np.inf
            best = top_k(row_scores, m)
            rows[position], scores[position] = best, row_scores[best]
        return rows, scores

    def updated(self, matrix: FloatArray, changed_rows: RowArray | None = None) -> ExactIndex:
        """The index over `matrix` (the old matrix with `changed_rows` replaced or appended); nothing to rebuild."""
        return ExactIndex(matrix)


def _faiss() -> Any:
    import faiss  # noqa: PLC0415 - optional dependency, loaded only when an approximate index is asked for

    return faiss


class ApproximateIndex:
    """A faiss HNSW graph (inner product). Graph nodes map to matrix rows through `node_rows` (-1: a stale node).

    An update adds the changed rows as new nodes to a copy of the graph and marks their old nodes stale, and a
    deletion only renumbers `node_rows`: HNSW cannot remove nodes, so stale nodes stay until the next full build
    (the engine's periodic full reload). Searches skip stale nodes and fetch more when too many were skipped.
    """

    kind: IndexKind = "approximate"

    def __init__(
        self,
        matrix: npt.ArrayLike,
        m: int = DEFAULT_HNSW_M,
        ef_construction: int = DEFAULT_HNSW_EF_CONSTRUCTION,
        ef_search: int = DEFAULT_HNSW_EF_SEARCH,
        _graph: Any = None,
        _node_rows: RowArray | None = None,
    ):
        faiss = _faiss()
        self.matrix = _as_matrix(matrix)
        self.m, self.ef_construction, self.ef_search = m, ef_construction, ef_search
        if _graph is not None and _node_rows is not None:
            self._graph, self.node_rows = _graph, _node_rows
            return
        self._graph = faiss.IndexHNSWFlat(self.dimension, m, faiss.METRIC_INNER_PRODUCT)
        self._graph.hnsw.efConstruction = ef_construction
        self._add(self._graph, self.matrix)
        self.node_rows = np.arange(len(self), dtype=np.int64)

    @staticmethod
    def _add(graph: Any, vectors: FloatArray) -> None:
        """Insert with every core for big batches (searches run on one OpenMP thread); small ones are quicker alone,
        as OpenMP threads that wait for each other spin on a busy machine."""
        faiss = _faiss()
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads((os.cpu_count() or 1) if len(vectors) >= PARALLEL_BUILD_ROWS else 1)
        try:
            graph.add(np.ascontiguousarray(vectors))
        finally:
            faiss.omp_set_num_threads(threads)

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def dimension(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def stale_nodes(self) -> int:
        return int(len(self.node_rows) - len(self))

    def search(
        self, query_vectors: npt.ArrayLike, k: int, exclude_rows: Iterable[int] | None = None
    ) -> tuple[RowArray, FloatArray]:
        """Approximately the k best rows per query, best first, skipping `exclude_rows` (ExactIndex's contract)."""
        queries = _as_queries(query_vectors, self.dimension)
        excluded = _exclusion_array(exclude_rows, len(self))
        m = max(0, min(int(k), len(self) - len(excluded)))
        if m == 0:
            return _empty_result(len(queries))
        found = [self._search_one(query, m, excluded) for query in queries]
        width = min(len(rows) for rows, _ in found)  # a graph search can reach fewer rows than asked for
        return (
            np.array([rows[:width] for rows, _ in found], dtype=np.int64).reshape(len(queries), width),
            np.array([scores[:width] for _, scores in found], dtype=np.float32).reshape(len(queries), width),
        )

    def _search_one(self, query: FloatArray, m: int, excluded: RowArray) -> tuple[RowArray, FloatArray]:
        parameters = _faiss().SearchParametersHNSW()
        fetch = min(len(self.node_rows), m + len(excluded) + min(self.stale_nodes, m))
        while True:
            parameters.efSearch = max(self.ef_search, fetch)
            scores, nodes = self._graph.search(query[np.newaxis, :], fetch, params=parameters)
            nodes = nodes[0][nodes[0] >= 0]
            rows = self.node_rows[nodes]
            keep = rows >= 0
            if len(excluded):
                keep &= ~np.isin(rows, excluded)
            if keep.sum() >= m or fetch >= len(self.node_rows):
                return rows[keep][:m], scores[0][: len(nodes)][keep][:m]
            fetch = min(len(self.node_rows), fetch * 4)

    def updated(self, matrix: FloatArray, changed_rows: RowArray | None = None) -> ApproximateIndex:
        """A copy over `matrix` whose `changed_rows` (replaced or appended) are re-inserted; a full build for None."""
        if changed_rows is None:
            return ApproximateIndex(matrix, self.m, self.ef_construction, self.ef_search)
        changed = np.unique(np.asarray(changed_rows, dtype=np.int64))
        matrix = _as_matrix(matrix)
        graph = _faiss().clone_index(self._graph)  # the current graph keeps serving readers unchanged
        self._add(graph, matrix[changed])
        node_rows = self.node_rows.copy()
        node_rows[np.isin(node_rows, changed)] = -1
        node_rows = np.concatenate([node_rows, changed])
        return ApproximateIndex(matrix, self.m, self.ef_construction, self.ef_search, graph, node_rows)

    def without_rows(self, matrix: FloatArray, kept_rows: RowArray) -> ApproximateIndex:
        """The index over `matrix` = the old matrix's `kept_rows` (ascending); the graph is shared, not copied."""
        new_position = np.full(len(self) + 1, -1, dtype=np.int64)  # the extra slot maps stale nodes (-1) to -1
        new_position[np.asarray(kept_rows, dtype=np.int64)] = np.arange(len(kept_rows), dtype=np.int64)
        node_rows = new_position[self.node_rows]
        return ApproximateIndex(matrix, self.m, self.ef_construction, self.ef_search, self._graph, node_rows)


def choose_kind(kind: str, rows: int, threshold: int = DEFAULT_APPROXIMATE_THRESHOLD) -> IndexKind:
    """Resolve `exact|approximate|auto` for a catalog of `rows` vectors (auto: approximate from `threshold` rows)."""
    if kind not in INDEX_KINDS:
        raise ValueError(f"Unknown index kind {kind!r}; expected one of {', '.join(INDEX_KINDS)}.")
    if kind == "auto":
        return "approximate" if rows >= threshold else "exact"
    return "approximate" if kind == "approximate" else "exact"


def build_index(
    matrix: FloatArray,
    kind: IndexKind = "exact",
    *,
    m: int = DEFAULT_HNSW_M,
    ef_construction: int = DEFAULT_HNSW_EF_CONSTRUCTION,
    ef_search: int = DEFAULT_HNSW_EF_SEARCH,
) -> ExactIndex | ApproximateIndex:
    """An index of the given resolved kind over `matrix` (the HNSW parameters matter only for "approximate")."""
    if kind == "approximate":
        return ApproximateIndex(matrix, m, ef_construction, ef_search)
    return ExactIndex(matrix)


def cosine_to_likeness(scores: npt.ArrayLike, decimals: int = 3) -> Any:
    """Map cosine similarity to a likeness in [0, 1]: negative similarity (unrelated or opposite) is 0."""
    return np.round(np.clip(scores, 0.0, 1.0), decimals)
