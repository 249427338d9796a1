"""Why each recommendation: the seed, liked or played item (or genre) whose vector it is closest to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.selectors import EMBEDDING_MODELS

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


def _stored_vectors(resource_type: str, spotify_ids: list[str]) -> dict[str, np.ndarray]:
    rows = (
        EMBEDDING_MODELS[resource_type]
        ._default_manager.filter(**{f"{resource_type}__spotify_id__in": spotify_ids})
        .values_list(f"{resource_type}__spotify_id", "vector")
    )
    return {spotify_id: np.frombuffer(bytes(vector), dtype="<f4") for spotify_id, vector in rows}


def _reason_matrix(reasons: list[Reason]) -> np.ndarray | None:
    if not reasons or len({len(reason.vector) for reason in reasons}) != 1:
        return None
    matrix = np.vstack([reason.vector for reason in reasons]).astype(np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 1e-12, norms, 1.0)


def recommendations_explain(results: dict[str, list[dict[str, Any]]], reasons: Iterable[Reason]) -> None:
    """Add `uri` and `because` (the closest reason, or None) to each recommended item, in place."""
    reason_list = list(reasons)[:MAX_REASONS]
    matrix = _reason_matrix(reason_list)
    for plural, items in results.items():
        resource_type = SINGULAR[plural]
        ids = [str(item["extra"].get("spotify_id", "")) for item in items]
        vectors = _stored_vectors(resource_type, ids) if matrix is not None and ids else {}
        for item, spotify_id in zip(items, ids, strict=True):
            item["uri"] = item_uri(resource_type, spotify_id) if spotify_id else None
            vector = vectors.get(spotify_id)
            if matrix is None or vector is None or len(vector) != matrix.shape[1]:
                item["because"] = None
                continue
            item["because"] = reason_list[int(np.argmax(matrix @ vector))].as_dict()
