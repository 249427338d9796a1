"""Collaborative item vectors learned from what people play and like, and their bridge to content vectors.

Pure numpy/scipy plus `implicit` (alternating least squares for implicit feedback, Hu, Koren & Volinsky 2008);
no Django. Django builds the interaction triples from listens and likes; this module turns them into
vectors in one space:

1. `confidence_matrix`: user x item confidences from play counts weighted by recency (a listen loses half its
   weight every `half_life_days`), squashed with `alpha * log1p(weight)` so one obsessive user does not
   dominate an item.
2. `factors_fit`: implicit ALS item (and user) factors.
3. `content_mapping_fit`: a ridge regression from content vectors (juke_ml.model) to item factors, fit on the
   items people play, so an item nobody has played yet (a new release) lands where players of similar-sounding
   or same-genre items are.
4. `hybrid_factors` / `parent_fallback`: each item's own factor blended with a fallback by how many users it has
   (`support / (support + shrinkage)`): a track's album and artists, else its mapped content vector.
5. `CollaborativeSpace`: the deployed unit vectors (norms compressed to |h|^norm_exponent, so a rarely played
   track of the right artist can outrank a hit) and the query of a set of items (`items_query`).
6. `taste_vector`: the weighted mean direction of unit vectors (a taste in a space without factors).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy import sparse
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float64]
IntVector = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CollaborativeConfig:
    """Hyper-parameters (the defaults are the ones measured in bench/taste_quality.py)."""

    factors: int = 31  # + 1 dimension of the deployed space (CollaborativeSpace) = the content model's 32
    regularization: float = 0.05
    iterations: int = 15
    alpha: float = 2.0
    half_life_days: float = 365.0
    shrinkage: float = 2.0
    mapping_ridge: float = 1.0
    # Deployed item norms become |h| ** norm_exponent: 1 ranks by the ALS dot product (popular items first),
    # 0 by the cosine alone. 0.15 with the mean-direction query: bench/RESULTS.md, "Taste model" (a)-(c).
    norm_exponent: float = 0.15
    query: str = "mean"  # how a set of items becomes a query: "mean" (direction) or "fold_in" (ALS normal equations)
    random_state: int = 0
    threads: int = 1


def recency_weights(ages_days: npt.ArrayLike, half_life_days: float) -> FloatVector:
    """0.5 ** (age / half-life): a listen a half-life ago counts half as much as one today (future ages count 1)."""
    ages = np.clip(np.asarray(ages_days, dtype=np.float64), 0.0, None)
    return np.asarray(np.power(0.5, ages / max(half_life_days, 1e-9)), dtype=np.float64)


def confidence_matrix(
    *, users: npt.ArrayLike, items: npt.ArrayLike, weights: npt.ArrayLike, shape: tuple[int, int], alpha: float
) -> sparse.csr_matrix:
    """A CSR user x item matrix of confidences `1 + alpha * log1p(sum of weights)` (Hu et al.'s log scaling).

    Repeated (user, item) pairs are summed first; pairs whose weights sum to zero or less are dropped.
    """
    matrix = sparse.coo_matrix(
        (
            np.asarray(weights, dtype=np.float64),
            (np.asarray(users, dtype=np.int64), np.asarray(items, dtype=np.int64)),
        ),
        shape=shape,
    ).tocsr()
    matrix.sum_duplicates()
    matrix.data = np.where(matrix.data > 0, 1.0 + alpha * np.log1p(np.clip(matrix.data, 0.0, None)), 0.0)
    matrix.eliminate_zeros()
    return sparse.csr_matrix(matrix.astype(np.float32))


@dataclass(frozen=True)
class Factors:
    """Fitted ALS factors; `support[i]` is how many users interacted with item i."""

    user_factors: FloatMatrix
    item_factors: FloatMatrix
    support: IntVector


def factors_fit(matrix: sparse.csr_matrix, config: CollaborativeConfig) -> Factors:
    """Implicit ALS on a user x item confidence matrix (rows: users)."""
    from implicit.cpu.als import AlternatingLeastSquares  # type: ignore[import-untyped]  # noqa: PLC0415

    users, items = matrix.shape
    support = np.asarray(np.diff(matrix.tocsc().indptr), dtype=np.int64)
    if matrix.nnz == 0 or users == 0 or items == 0:
        return Factors(
            np.zeros((users, config.factors), dtype=np.float32),
            np.zeros((items, config.factors), dtype=np.float32),
            support,
        )
    model = AlternatingLeastSquares(
        factors=config.factors,
        regularization=config.regularization,
        iterations=config.iterations,
        random_state=config.random_state,
        num_threads=config.threads,
        calculate_training_loss=False,
    )
    with threadpool_limits(1, "blas"):  # implicit parallelises itself; a threaded BLAS inside it only contends
        model.fit(matrix, show_progress=False)
    return Factors(
        np.asarray(model.user_factors, dtype=np.float32),
        np.asarray(model.item_factors, dtype=np.float32),
        support,
    )


def support_weights(support: npt.ArrayLike, shrinkage: float) -> FloatVector:
    """How much an item's own factor counts against its content: support / (support + shrinkage)."""
    counts = np.asarray(support, dtype=np.float64)
    return np.asarray(counts / (counts + max(shrinkage, 1e-9)), dtype=np.float64)


def content_mapping_fit(
    content: npt.ArrayLike, item_factors: npt.ArrayLike, support: npt.ArrayLike, *, ridge: float, shrinkage: float
) -> FloatVector:
    """W (content dims x factors) minimising sum_i s_i |c_i W - f_i|^2 + ridge |W|^2 over items with support.

    s_i = support_weights: items many users play have reliable factors and weigh more.
    """
    content_matrix = np.asarray(content, dtype=np.float64)
    targets = np.asarray(item_factors, dtype=np.float64)
    weights = support_weights(support, shrinkage)
    dimension = content_matrix.shape[1]
    weighted = content_matrix * weights[:, None]
    gram = content_matrix.T @ weighted + ridge * np.eye(dimension)
    return np.asarray(np.linalg.solve(gram, weighted.T @ targets), dtype=np.float64)


def _normalise_rows(matrix: npt.NDArray[np.float64]) -> FloatMatrix:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    safe = np.where(norms > 1e-12, norms, 1.0)
    return np.asarray(matrix / safe, dtype=np.float32)


def hybrid_factors(
    item_factors: npt.ArrayLike, support: npt.ArrayLike, mapped_content: npt.ArrayLike, *, shrinkage: float
) -> FloatVector:
    """Per item: w * own factor + (1 - w) * content mapped into factor space (w = support_weights); raw scale."""
    weight = support_weights(support, shrinkage)[:, None]
    own = np.asarray(item_factors, dtype=np.float64)
    mapped = np.asarray(mapped_content, dtype=np.float64)
    return np.asarray(weight * own + (1.0 - weight) * mapped, dtype=np.float64)


QUERY_MODES = ("mean", "fold_in")


@dataclass(frozen=True)
class CollaborativeSpace:
    """The deployed vector space: k factor dimensions plus one that makes cosine rank like a dot product.

    The engine ranks by cosine over unit vectors. An item's raw hybrid factor h_i is stored as
    g_i = h_i |h_i|^(p - 1) (norm |h_i|^p, p = norm_exponent), then as [g_i / M, sqrt(1 - |g_i|^2 / M^2)]
    (M >= every |g_i|): unit vectors whose cosine with a query [x, 0] is x . g_i / (|x| M), the dot product
    with g (the maximum-inner-product-to-nearest-neighbour reduction of Bachrach et al., 2014). p = 1 is
    the ALS dot product, where widely played items have large norms and win; p = 0 the cosine alone.
    Payloads from before `norm_exponent` and `query` existed load as p = 1 and "fold_in" (how they were built).
    """

    mapping: FloatVector  # content dimension x k
    scale: float  # M
    gram: FloatVector  # k x k: sum of g_i g_i^T over the trained items (ALS fold-in)
    regularization: float
    shrinkage: float  # see support_weights: how an item's own factor and its content blend
    norm_exponent: float = 1.0
    query_mode: str = "fold_in"

    @property
    def factors(self) -> int:
        return int(self.mapping.shape[1])

    def to_payload(self) -> dict[str, object]:
        """JSON-serialisable form (stored inside the model artifact's payload)."""
        return {
            "mapping": np.round(self.mapping, 7).tolist(),
            "scale": self.scale,
            "gram": np.round(self.gram, 7).tolist(),
            "regularization": self.regularization,
            "shrinkage": self.shrinkage,
            "norm_exponent": self.norm_exponent,
            "query": self.query_mode,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, object]) -> CollaborativeSpace:
        """Rebuild from `to_payload()` output."""
        return cls(
            mapping=np.asarray(payload["mapping"], dtype=np.float64),
            scale=float(str(payload["scale"])),
            gram=np.asarray(payload["gram"], dtype=np.float64),
            regularization=float(str(payload["regularization"])),
            shrinkage=float(str(payload["shrinkage"])),
            norm_exponent=float(str(payload.get("norm_exponent", 1.0))),
            query_mode=str(payload.get("query", "fold_in")),
        )

    def compressed(self, raw: npt.ArrayLike) -> FloatVector:
        """Raw hybrid factors (n, k) with their norms raised to `norm_exponent` (directions unchanged)."""
        matrix = np.atleast_2d(np.asarray(raw, dtype=np.float64))
        if self.norm_exponent == 1.0:
            return matrix
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return np.asarray(matrix * np.where(norms > 1e-12, norms, 1.0) ** (self.norm_exponent - 1.0))

    def item_vectors(self, raw: npt.ArrayLike) -> FloatMatrix:
        """Unit item vectors (n, k + 1) from raw hybrid factors (n, k); compressed norms above M are clipped to M."""
        matrix = self.compressed(raw) / self.scale
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.maximum(norms, 1.0)
        rest = np.sqrt(np.clip(1.0 - (matrix**2).sum(axis=1, keepdims=True), 0.0, None))
        return np.asarray(np.hstack([matrix, rest]), dtype=np.float32)

    def raw_factors(self, vectors: npt.ArrayLike) -> FloatVector:
        """The compressed raw factors g (n, k) back from unit item vectors (n, k + 1)."""
        matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        return np.asarray(matrix[:, : self.factors] * self.scale, dtype=np.float64)

    def query(self, user_factor: npt.ArrayLike) -> FloatVector | None:
        """The unit query [x / |x|, 0] for a user factor x (None for a zero vector)."""
        vector = np.asarray(user_factor, dtype=np.float64).reshape(self.factors)
        norm = float(np.linalg.norm(vector))
        if norm <= 1e-12:
            return None
        return np.asarray(np.append(vector / norm, 0.0), dtype=np.float64)

    def content_raw(self, content: npt.ArrayLike) -> FloatVector:
        """Content vectors (n, content dimension) mapped into raw factor space (n, k)."""
        return np.asarray(np.atleast_2d(np.asarray(content, dtype=np.float64)) @ self.mapping, dtype=np.float64)

    def items_query(self, vectors: npt.ArrayLike, confidences: npt.ArrayLike) -> FloatVector | None:
        """The query of someone who played (or seeds) these items (unit item vectors) with these confidences.

        "mean": the confidence-weighted sum of the items' factor directions; on 5 seeds of a playlist it finds
        3-5x more of the rest than the fold-in, and more of a HetRec user's held-out artists (RESULTS.md).
        "fold_in": x = (G + Y^T (C - I) Y + lambda I)^-1 Y^T C 1, the normal equations ALS solves for a
        training user, with G the trained items' gram matrix. None when nothing weighs.
        """
        raw = self.raw_factors(vectors)
        confidence = np.asarray(confidences, dtype=np.float64).reshape(-1)
        if raw.shape[0] == 0 or raw.shape[0] != confidence.shape[0] or float(confidence.sum()) <= 0:
            return None
        if self.query_mode == "mean":
            norms = np.linalg.norm(raw, axis=1)
            directions = raw / np.where(norms > 1e-12, norms, 1.0)[:, None]
            return self.query(np.einsum("ij,i->j", directions, confidence))
        # einsum, not a BLAS product: at a few hundred rows a threaded BLAS only waits for its threads.
        weighted = np.einsum("ij,ik->jk", raw * (confidence - 1.0)[:, None], raw)
        system = self.gram + weighted + self.regularization * np.eye(self.factors)
        target = np.einsum("ij,i->j", raw, confidence)
        return self.query(np.linalg.solve(system, target))


def parent_fallback(
    raw: npt.ArrayLike, item_factors: npt.ArrayLike, support: npt.ArrayLike, parents: npt.ArrayLike, shrinkage: float
) -> FloatVector:
    """Items with parents (a track's album and artists: column indices, -1 for none) fall back to their parents.

    raw_i = w_i f_i + (1 - w_i) * mean(raw of its parents): a rarely played track of a played artist lands by
    that artist rather than by its sound alone. Items without parents keep `raw`.
    """
    result = np.array(raw, dtype=np.float64)
    parent_index = np.atleast_2d(np.asarray(parents, dtype=np.int64))
    valid = parent_index >= 0
    counts = valid.sum(axis=1)
    has_parents = counts > 0
    gathered = result[np.where(valid, parent_index, 0)] * valid[:, :, None]
    parent_mean = gathered.sum(axis=1) / np.maximum(counts, 1)[:, None]
    weight = support_weights(support, shrinkage)[:, None]
    own = np.asarray(item_factors, dtype=np.float64)
    blended = weight * own + (1.0 - weight) * parent_mean
    result[has_parents] = blended[has_parents]
    return np.asarray(result, dtype=np.float64)


def space_fit(
    *, content: npt.ArrayLike, factors: Factors, config: CollaborativeConfig, parents: npt.ArrayLike | None = None
) -> tuple[CollaborativeSpace, FloatMatrix]:
    """The deployed space for a trained catalog, and every item's unit vector in it (rows as in `content`).

    `parents`: optional (items, p) column indices of each item's parents (see parent_fallback).
    """
    mapping = content_mapping_fit(
        content, factors.item_factors, factors.support, ridge=config.mapping_ridge, shrinkage=config.shrinkage
    )
    mapped = np.asarray(content, dtype=np.float64) @ mapping
    raw = hybrid_factors(factors.item_factors, factors.support, mapped, shrinkage=config.shrinkage)
    if parents is not None:
        raw = parent_fallback(raw, factors.item_factors, factors.support, parents, config.shrinkage)
    if config.query not in QUERY_MODES:
        raise ValueError(f"query must be one of {QUERY_MODES}, not {config.query!r}")
    space = CollaborativeSpace(
        mapping=mapping,
        scale=1.0,
        gram=np.zeros((mapping.shape[1], mapping.shape[1])),
        regularization=config.regularization,
        shrinkage=config.shrinkage,
        norm_exponent=config.norm_exponent,
        query_mode=config.query,
    )
    compressed = space.compressed(raw)
    space = replace(
        space, scale=float(np.linalg.norm(compressed, axis=1).max(initial=0.0)) or 1.0, gram=compressed.T @ compressed
    )
    return space, space.item_vectors(raw)


def taste_vector(vectors: npt.ArrayLike, weights: npt.ArrayLike) -> FloatVector | None:
    """The unit weighted mean of unit vectors (a taste in a space without factors); None when nothing weighs."""
    matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
    weight = np.asarray(weights, dtype=np.float64).reshape(-1)
    if matrix.size == 0 or weight.shape[0] != matrix.shape[0] or float(weight.sum()) <= 0:
        return None
    mean = (weight[:, None] * _normalise_rows(matrix).astype(np.float64)).sum(axis=0)
    norm = float(np.linalg.norm(mean))
    return np.asarray(mean / norm, dtype=np.float64) if norm > 1e-12 else None
