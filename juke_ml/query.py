"""How a recommendation request becomes one query vector (likeness from a cosine: juke_ml.index.cosine_to_likeness).

Shared by the engine (POST /recommend) and Django's offline scoring (`manage.py recommend --offline`), so
both rank identically. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

DEFAULT_SEED_WEIGHT = 0.5


Vectors = Sequence[Sequence[float]] | Sequence[npt.NDArray[np.floating[Any]]] | npt.NDArray[np.floating[Any]]


def _mean_direction(vectors: Vectors | None, dimension: int | None) -> npt.NDArray[np.float64] | None:
    if vectors is None or len(vectors) == 0:
        return None
    matrix = np.asarray(vectors, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if dimension is not None and matrix.shape[1] != dimension:
        raise ValueError(f"Seed vectors must have dimension {dimension}, got {matrix.shape[1]}.")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 1e-12)
    mean = matrix.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return np.asarray(mean / norm, dtype=np.float64) if norm > 1e-12 else None


def build_query_vector(
    *,
    seed_vectors: Vectors | None,
    name_vectors: Vectors | None = None,
    seed_weight: float = DEFAULT_SEED_WEIGHT,
    dimension: int | None = None,
) -> npt.NDArray[np.float32] | None:
    """The unit query vector of a request, or None when nothing resolved.

    `seed_vectors` are resolved by the caller (catalog items' stored embeddings, genre vectors); `name_vectors`
    are the vectors of seeds given only by name and resolved by the engine. Each group is averaged (after
    normalising every vector), then mixed: `seed_weight` is the influence of the name seeds against the
    resolved ones (0 = only resolved seeds, 1 = only names). A group that is empty gets no weight.
    """
    resolved = _mean_direction(seed_vectors, dimension)
    named = _mean_direction(name_vectors, dimension)
    if resolved is None or named is None:
        query = resolved if resolved is not None else named
        if query is None:
            return None
    else:
        weight = float(np.clip(seed_weight, 0.0, 1.0))
        query = (1.0 - weight) * resolved + weight * named
        if float(np.linalg.norm(query)) <= 1e-12:
            query = resolved
    return (query / np.linalg.norm(query)).astype(np.float32)
