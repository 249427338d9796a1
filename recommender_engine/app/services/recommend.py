"""Recommendations and embeddings over one engine snapshot."""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict

import numpy as np
import orjson
from pydantic_core import to_json

from juke_ml.index import cosine_to_likeness
from juke_ml.query import build_query_vector
from recommender_engine.app.schemas import (
    DATA_UNAVAILABLE_DETAIL,
    NO_MODEL_DETAIL,
    NO_SEED_DETAIL,
    EmbedRequest,
    EmbedResponse,
    RecommendRequest,
    utc_z,
)
from recommender_engine.app.services.snapshot import Snapshot, TypeIndex

# Request fields holding names, each resolved against the index of the same resource type.
NAME_FIELDS = ("artists", "albums", "tracks")
LONG_DIGITS = re.compile(r"\d{20}")


class RecommendationExtra(TypedDict):
    spotify_id: str
    model_version: str
    quality_score: float
    metadata: dict[str, Any]
    vector: NotRequired[str]


class Recommendation(TypedDict):
    """`schemas.Recommendation` as plain data (the service's own typed values need no validation)."""

    name: str
    likeness: float
    extra: RecommendationExtra


class RecommendPayload(TypedDict):
    """`schemas.RecommendResponse` as plain data, ready for one JSON serialisation."""

    artists: list[Recommendation]
    albums: list[Recommendation]
    tracks: list[Recommendation]
    model_version: str | None
    generated_at: str
    unresolved: list[str]


class EngineError(Exception):
    """A request the engine cannot answer; carries the HTTP status and detail."""

    def __init__(self, status_code: int, detail: str):
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


@dataclass
class _Seeds:
    vectors: list[np.ndarray]
    rows: dict[str, list[int]]  # resource type -> rows of name seeds (never returned)
    names: dict[str, set[str]]  # resource type -> lowercase seed names (never returned)
    unresolved: list[str]


def _resolve_names(snapshot: Snapshot, request: RecommendRequest) -> _Seeds:
    seeds = _Seeds([], {}, {}, [])
    for resource in NAME_FIELDS:
        index = snapshot.types[resource]
        for name in getattr(request, resource):
            key = name.lower()
            seeds.names.setdefault(resource, set()).add(key)
            row = index.by_name.get(key)
            if row is None:
                seeds.unresolved.append(name)
                continue
            seeds.rows.setdefault(resource, []).append(row)
            seeds.vectors.append(index.matrix[row])
    for genre in request.genres:
        vector = snapshot.model.genre_vector(genre) if snapshot.model is not None else None
        if vector is None and snapshot.model is not None and genre.lower() != genre:
            vector = snapshot.model.genre_vector(genre.lower())
        if vector is None:
            seeds.unresolved.append(genre)
        else:
            seeds.vectors.append(np.asarray(vector, dtype=np.float32))
    return seeds


def _query_vector(request: RecommendRequest, seeds: _Seeds, dimension: int | None) -> np.ndarray:
    """Normalised weighted mean (juke_ml.query, shared with Django's offline scoring): seed_weight for the name seeds."""
    for position, raw in enumerate(request.seed_vectors):
        if dimension is not None and len(raw) != dimension:
            raise EngineError(400, f"Seed vector {position} has dimension {len(raw)}; expected {dimension}.")
        if not all(math.isfinite(value) for value in raw):
            raise EngineError(400, f"Seed vector {position} contains a non-finite number.")
    if dimension is None and request.seed_vectors and len({len(raw) for raw in request.seed_vectors}) > 1:
        raise EngineError(400, "Seed vectors must all have the same dimension.")
    try:
        query = build_query_vector(
            seed_vectors=request.seed_vectors or None,
            name_vectors=np.asarray(seeds.vectors) if seeds.vectors else None,
            seed_weight=request.seed_weight,
            dimension=dimension,
        )
    except ValueError as error:
        raise EngineError(400, str(error)) from error
    if query is None:
        detail = NO_SEED_DETAIL
        if seeds.unresolved:
            detail += " Nothing matched: " + ", ".join(repr(name) for name in seeds.unresolved) + "."
        raise EngineError(400, detail)
    return query


def _metadata(text: str | None) -> dict[str, Any]:
    """The stored metadata as a JSON object ({} when empty or unreadable; a non-object under "value")."""
    if not text:
        return {}
    try:
        # orjson reads integers beyond 64 bits (20 digits or more) as floats and refuses NaN: Python's parser
        # reads both as Django wrote them.
        metadata = orjson.loads(text) if LONG_DIGITS.search(text) is None else json.loads(text)
    except ValueError:
        try:
            metadata = json.loads(text)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {"value": metadata}


def _recommendation(
    index: TypeIndex, row: int, likeness: float, fallback_version: str | None, with_vector: bool = False
) -> Recommendation:
    """One result as plain data in the shape of `schemas.Recommendation`: no model objects, serialised once by the
    route (building 30 validated models cost more than scoring 60k vectors)."""
    extra: RecommendationExtra = {
        "spotify_id": index.spotify_ids[row],
        "model_version": index.versions[row] or fallback_version or "",
        "quality_score": round(float(index.quality[row]), 3),
        "metadata": _metadata(index.metadata[row]),
    }
    if with_vector:  # asked for by Django, to explain each result by its closest seed without reading vectors again
        extra["vector"] = base64.b64encode(index.matrix[row].astype("<f4").tobytes()).decode()
    return {"name": index.names[row], "likeness": likeness, "extra": extra}


def _top(
    index: TypeIndex,
    query: np.ndarray,
    limit: int,
    rows: list[int],
    names: set[str],
    excluded_ids: set[str],
    fallback_version: str | None,
    with_vectors: bool = False,
) -> list[Recommendation]:
    if len(index) == 0 or index.vector_dimension != query.shape[0]:
        return []
    k = limit + len(excluded_ids) + 4 * len(names) + 5
    while True:
        found_rows, scores = index.index.search(query, k, exclude_rows=rows or None)
        results = []
        likenesses = cosine_to_likeness(scores[0]).tolist()  # once per search: numpy per scalar costs more
        for row, likeness in zip(found_rows[0].tolist(), likenesses, strict=True):
            if index.spotify_ids[row] in excluded_ids or (names and index.names[row].lower() in names):
                continue
            results.append(_recommendation(index, row, likeness, fallback_version, with_vectors))
            if len(results) == limit:
                return results
        if k >= len(index) or found_rows.shape[1] < k:
            return results
        k = min(len(index), k * 4)


def recommend(snapshot: Snapshot, request: RecommendRequest) -> RecommendPayload:
    """Rank the requested resource types by likeness to the seeds; seeds and excluded ids never come back."""
    if not snapshot.loaded:
        raise EngineError(503, DATA_UNAVAILABLE_DETAIL)
    seeds = _resolve_names(snapshot, request)
    query = _query_vector(request, seeds, snapshot.dimension)
    excluded_ids = set(request.exclude_spotify_ids)
    results: dict[str, list[Recommendation]] = {resource: [] for resource in NAME_FIELDS}
    for resource in dict.fromkeys(request.resource_types):
        results[resource] = _top(
            snapshot.types[resource],
            query,
            request.limit,
            seeds.rows.get(resource, []),
            seeds.names.get(resource, set()),
            excluded_ids,
            snapshot.model_version,
            request.include_vectors,
        )
    return {
        "artists": results["artists"],
        "albums": results["albums"],
        "tracks": results["tracks"],
        "model_version": snapshot.model_version,
        "generated_at": utc_z(datetime.now(UTC)),
        "unresolved": seeds.unresolved,
    }


def recommend_json(snapshot: Snapshot, request: RecommendRequest) -> bytes:
    """`recommend`'s answer as JSON bytes (orjson; pydantic-core for what orjson refuses, integers beyond 64 bits);
    NaN and infinities become null either way, as pydantic wrote them before."""
    payload = recommend(snapshot, request)
    try:
        return orjson.dumps(payload)
    except TypeError:
        return to_json(payload, inf_nan_mode="null")


def rows_to_score(snapshot: Snapshot, request: RecommendRequest) -> int:
    """How many stored vectors a request scores: what its cost grows with."""
    return sum(len(snapshot.types[resource]) for resource in set(request.resource_types) if resource in snapshot.types)


def embed(snapshot: Snapshot, request: EmbedRequest) -> EmbedResponse:
    """The active model's vector for an item described by its attributes."""
    if snapshot.model is None:
        raise EngineError(503, snapshot.model_error or NO_MODEL_DETAIL)
    try:
        vector, quality = snapshot.model.embed(request.resource_type, request.attributes)
    except (ValueError, TypeError, KeyError) as error:
        raise EngineError(400, f"Cannot embed this {request.resource_type}: {error}") from error
    vector = np.asarray(vector, dtype=np.float32)
    metadata: dict[str, Any] = {"resource_type": request.resource_type, "dimension": int(vector.shape[0])}
    return EmbedResponse(
        vector=[round(float(value), 7) for value in vector],
        model_version=snapshot.model_version or getattr(snapshot.model, "version", ""),
        quality=min(1.0, max(0.0, round(float(quality), 4))),
        metadata=metadata,
    )
