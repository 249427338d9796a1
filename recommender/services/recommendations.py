"""Recommendations: resolve the seeds here, rank at the engine (or in-process for `recommend --offline`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from rest_framework.exceptions import APIException, ValidationError

from juke_ml.index import ExactIndex, cosine_to_likeness
from juke_ml.query import DEFAULT_SEED_WEIGHT, build_query_vector
from recommender.engine_client import EngineClient, EngineRejected, get_engine_client
from recommender.models import AlbumEmbedding, ArtistEmbedding, TrackEmbedding
from recommender.selectors import model_artifact_active_version
from recommender.services.embeddings import model_get_active
from recommender.services.seeds import SeedErrors, SeedSet, seeds_resolve

RESOURCE_TYPES = ("artists", "albums", "tracks")
# The engine's request limits (recommender_engine/app/schemas.py); profiles can bring many favourites.
MAX_NAMES_PER_KIND = 100
MAX_SEED_VECTORS = 500
NO_SEED_MESSAGE = "Provide at least one artist, album, track, or genre."
NOTHING_RESOLVED_MESSAGE = (
    "None of the seeds matched the catalog or a known genre, so there is nothing to recommend from."
)
EMPTY_PROFILE_MESSAGE = (
    "Your music profile has no favourite artists, albums, tracks or genres yet. Add some to get recommendations."
)


class EmptyProfile(APIException):
    status_code = 400
    default_detail = EMPTY_PROFILE_MESSAGE
    default_code = "empty_profile"


@dataclass
class Recommendations:
    """Ranked items per type: each {"name", "likeness", "extra": {...}}."""

    artists: list[dict[str, Any]]
    albums: list[dict[str, Any]]
    tracks: list[dict[str, Any]]
    model_version: str
    generated_at: datetime
    unresolved: list[str] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)


def _parse_generated_at(value: str | None) -> datetime:
    if value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return datetime.now(UTC)


def _resolve(**kwargs) -> SeedSet:
    try:
        seed_set = seeds_resolve(model=model_get_active(), **kwargs)
    except SeedErrors as error:
        raise ValidationError(error.errors) from error
    if seed_set.is_empty:
        raise ValidationError({"non_field_errors": [NOTHING_RESOLVED_MESSAGE]})
    return seed_set


def _seed_labels(seed_set: SeedSet) -> list[str]:
    return [f"juke:{item.resource_type}:{item.spotify_id}" for item in seed_set.items] + [
        f"genre:{genre}" for genre in seed_set.genre_seeds
    ]


def recommendation_list(
    *,
    artists: Sequence[str] = (),
    albums: Sequence[str] = (),
    tracks: Sequence[str] = (),
    genres: Sequence[str] = (),
    seeds: Sequence[str] = (),
    profiles: Sequence[str] = (),
    seed_weight: float = DEFAULT_SEED_WEIGHT,
    limit: int = 10,
    resource_types: Sequence[str] | None = None,
    client: EngineClient | None = None,
) -> Recommendations:
    """Items like the seeds, ranked by the engine; seeds never come back.

    Raises ValidationError for invalid/unknown URIs or profiles, or when nothing resolves; ServiceUnavailable
    when the engine is down or slow (engine_client).
    """
    if not any((artists, albums, tracks, genres, seeds, profiles)):
        raise ValidationError({"non_field_errors": [NO_SEED_MESSAGE]})
    seed_set = _resolve(artists=artists, albums=albums, tracks=tracks, genres=genres, seeds=seeds, profiles=profiles)
    client = client or get_engine_client()
    names = {kind: values[:MAX_NAMES_PER_KIND] for kind, values in seed_set.names.items()}
    try:
        answer = client.recommend(
            seed_vectors=[vector.tolist() for vector in seed_set.vectors[:MAX_SEED_VECTORS]],
            artists=names["artists"],
            albums=names["albums"],
            tracks=names["tracks"],
            genres=names["genres"],
            seed_weight=seed_weight,
            exclude_spotify_ids=seed_set.exclude_spotify_ids,
            limit=limit,
            resource_types=resource_types,
        )
    except EngineRejected as error:
        raise ValidationError({"non_field_errors": [f"{NOTHING_RESOLVED_MESSAGE} ({error.detail})"]}) from error

    def as_dicts(items) -> list[dict[str, Any]]:
        return [{"name": item.name, "likeness": item.likeness, "extra": item.extra} for item in items]

    return Recommendations(
        artists=as_dicts(answer.artists),
        albums=as_dicts(answer.albums),
        tracks=as_dicts(answer.tracks),
        model_version=answer.model_version,
        generated_at=_parse_generated_at(answer.generated_at),
        unresolved=answer.unresolved,
        seeds=_seed_labels(seed_set),
    )


def recommendation_list_for_user(
    *, user, limit: int = 10, resource_types: Sequence[str] | None = None, client: EngineClient | None = None
) -> Recommendations:
    """Recommendations from the user's own music profile; EmptyProfile (400) when it has no favourites."""
    profile = getattr(user, "music_profile", None)
    if profile is None or not any(
        (profile.favorite_artists, profile.favorite_albums, profile.favorite_tracks, profile.favorite_genres)
    ):
        raise EmptyProfile()
    return recommendation_list(profiles=[user.username], limit=limit, resource_types=resource_types, client=client)


# ---- in-process scoring (manage.py recommend --offline) ------------------------------------------------

_OFFLINE_SOURCES = {
    "artists": (ArtistEmbedding, "artist"),
    "albums": (AlbumEmbedding, "album"),
    "tracks": (TrackEmbedding, "track"),
}


def _offline_rank(
    *, resource_type: str, query: np.ndarray, exclude_spotify_ids: set[str], limit: int
) -> list[dict[str, Any]]:
    embedding_model, item = _OFFLINE_SOURCES[resource_type]
    rows = list(
        embedding_model.objects.values_list(
            "vector", f"{item}__name", f"{item}__spotify_id", "model_version", "quality_score"
        )
    )
    if not rows:
        return []
    matrix = np.vstack([np.frombuffer(bytes(row[0]), dtype="<f4") for row in rows])
    if matrix.shape[1] != len(query):
        return []
    excluded = [position for position, row in enumerate(rows) if row[2] in exclude_spotify_ids]
    positions, scores = ExactIndex(matrix).search(query, limit, exclude_rows=excluded)
    return [
        {
            "name": rows[position][1],
            "likeness": float(cosine_to_likeness(float(score))),
            "extra": {
                "spotify_id": rows[position][2],
                "model_version": rows[position][3],
                "quality_score": rows[position][4],
            },
        }
        for position, score in zip(positions[0], scores[0], strict=True)
    ]


def recommendation_list_offline(
    *,
    artists: Sequence[str] = (),
    albums: Sequence[str] = (),
    tracks: Sequence[str] = (),
    genres: Sequence[str] = (),
    seeds: Sequence[str] = (),
    profiles: Sequence[str] = (),
    seed_weight: float = DEFAULT_SEED_WEIGHT,
    limit: int = 10,
    resource_types: Sequence[str] | None = None,
) -> Recommendations:
    """Like `recommendation_list`, scored in this process from the stored embeddings (no engine needed).

    Same query vector (juke_ml.query) and exact top-k (juke_ml.index) as the engine. Names that match no
    catalog item are embedded as text (genre words) when the model knows them, else reported as unresolved.
    """
    if not any((artists, albums, tracks, genres, seeds, profiles)):
        raise ValidationError({"non_field_errors": [NO_SEED_MESSAGE]})
    model = model_get_active()
    seed_set = _resolve(artists=artists, albums=albums, tracks=tracks, genres=genres, seeds=seeds, profiles=profiles)
    name_vectors = []
    unresolved = []
    for names in seed_set.names.values():
        for name in names:
            vector, quality = model.embed("text", {"text": name}) if model is not None else (None, 0.0)
            if vector is not None and quality > 0:
                name_vectors.append(vector)
            else:
                unresolved.append(name)
    query = build_query_vector(seed_vectors=seed_set.vectors, name_vectors=name_vectors, seed_weight=seed_weight)
    if query is None:
        raise ValidationError({"non_field_errors": [NOTHING_RESOLVED_MESSAGE]})
    excluded = set(seed_set.exclude_spotify_ids)
    wanted = resource_types or RESOURCE_TYPES
    results = {
        resource_type: (
            _offline_rank(resource_type=resource_type, query=query, exclude_spotify_ids=excluded, limit=limit)
            if resource_type in wanted
            else []
        )
        for resource_type in RESOURCE_TYPES
    }
    return Recommendations(
        **results,
        model_version=model.version if model is not None else (model_artifact_active_version() or "unknown"),
        generated_at=datetime.now(UTC),
        unresolved=sorted(unresolved),
        seeds=_seed_labels(seed_set),
    )
