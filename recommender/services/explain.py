"""Why each recommendation: the seed, liked or played item (or genre) whose vector it is closest to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.selectors import embedding_vectors_by_spotify_id

SINGULAR = {"artists": "artist", "albums": "album", "tracks": "track"}
MAX_REASONS = 300


@dataclass(frozen=True)
class Reason:
    """Something a recommendation can be "because of": {"type", "name", "uri"} and its vector."""

    resource_type: str  # artist | album | track | genre
    name: str
    uri: str | None
    vector: np.ndarray

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.resource_type, "name": self.name, "uri": self.uri}


def item_uri(resource_type: str, spotify_id: str) -> str:
    """`juke:<type>:<spotify_id>`, accepted back as a seed."""
    return f"juke:{resource_type}:{spotify_id}"


def _stored_vectors(missing: dict[str, list[str]]) -> dict[tuple[str, str], np.ndarray]:
    """Stored vectors of recommended items the ranking did not send back, by (type, spotify_id): one query."""
    stored = embedding_vectors_by_spotify_id(spotify_ids=missing)
    return {key: np.frombuffer(vector, dtype="<f4") for key, vector in stored.items()}


def _reason_matrix(reasons: list[Reason]) -> np.ndarray | None:
    if not reasons or len({len(reason.vector) for reason in reasons}) != 1:
        return None
    matrix = np.vstack([reason.vector for reason in reasons]).astype(np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 1e-12, norms, 1.0)


@dataclass(frozen=True)
class ReasonSet:
    """The reasons an answer is explained by (the first MAX_REASONS) and their unit vectors as one matrix."""

    reasons: list[Reason]
    matrix: np.ndarray | None


def reason_set(reasons: Iterable[Reason]) -> ReasonSet:
    """The reasons ready to explain with; worth keeping where they are reused (a cached taste keeps its own)."""
    kept = list(reasons)[:MAX_REASONS]
    return ReasonSet(kept, _reason_matrix(kept))


def _item_vector(item: dict[str, Any]) -> np.ndarray | None:
    """The vector the ranking sent with an item (`vector`: raw float32 bytes), taken off the item."""
    vector = item.pop("vector", None)
    return np.frombuffer(vector, dtype="<f4") if vector is not None else None


def recommendations_explain(results: dict[str, list[dict[str, Any]]], reasons: Iterable[Reason] | ReasonSet) -> None:
    """Add `uri` and `because` (the closest reason, or None) to each recommended item, in place.

    An item's vector comes with it (`vector`, from the engine's answer or the offline ranking); the vectors of
    items that came without one are read from the database, every type in one query.
    """
    explained = reasons if isinstance(reasons, ReasonSet) else reason_set(reasons)
    reason_list, matrix = explained.reasons, explained.matrix
    vectors: dict[tuple[str, str], np.ndarray | None] = {}
    missing: dict[str, list[str]] = {}
    for plural, items in results.items():
        resource_type = SINGULAR[plural]
        for item in items:
            spotify_id = str(item["extra"].get("spotify_id", ""))
            vector = _item_vector(item)
            if not spotify_id:
                continue
            vectors[(resource_type, spotify_id)] = vector
            if vector is None:
                missing.setdefault(resource_type, []).append(spotify_id)
    if matrix is not None and missing:
        vectors.update(_stored_vectors(missing))
    for plural, items in results.items():
        resource_type = SINGULAR[plural]
        for item in items:
            spotify_id = str(item["extra"].get("spotify_id", ""))
            item["uri"] = item_uri(resource_type, spotify_id) if spotify_id else None
            vector = vectors.get((resource_type, spotify_id)) if spotify_id else None
            if matrix is None or vector is None or len(vector) != matrix.shape[1]:
                item["because"] = None
                continue
            item["because"] = reason_list[int(np.argmax(matrix @ vector))].as_dict()
