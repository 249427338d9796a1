"""Recommendations: resolve the seeds here, rank at the engine (or in-process for `recommend --offline`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from catalog.models import Album, Artist, Track
from juke_ml.index import ExactIndex, cosine_to_likeness
from juke_ml.model import MusicModel
from juke_ml.query import DEFAULT_SEED_WEIGHT, build_query_vector
from recommender.engine_client import EngineClient, EngineRecommendations, EngineRejected, get_engine_client
from recommender.errors import NO_SEED_MESSAGE, EmptyProfile, NothingToRecommendFrom, SeedErrors
from recommender.models import AlbumEmbedding, ArtistEmbedding, TrackEmbedding
from recommender.selectors import model_artifact_active_version, taste_state_get, taste_states_by_username
from recommender.services.collaborative import LIKE_WEIGHT
from recommender.services.embeddings import model_get_active, model_get_for_version
from recommender.services.explain import Reason, ReasonSet, item_uri, recommendations_explain
from recommender.services.seeds import (
    SeedRequest,
    SeedSet,
    profile_favourites,
    seeds_resolve,
    seeds_resolve_with_model,
)
from recommender.services.taste import Taste, confidence, taste_get

RESOURCE_TYPES = ("artists", "albums", "tracks")
MODES = ("discover", "familiar")
# The engine's request limits (recommender_engine/app/schemas.py); profiles can bring many favourites.
MAX_NAMES_PER_KIND = 100
MAX_SEED_VECTORS = 500
MAX_EXCLUDED = 4000


@dataclass
class Recommendations:
    """Ranked items per type: each {"name", "likeness", "uri", "because", "extra": {...}}."""

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


def _seed_labels(seed_set: SeedSet) -> list[str]:
    return [item_uri(item.resource_type, item.spotify_id) for item in seed_set.items] + [
        f"genre:{genre}" for genre in seed_set.genre_seeds
    ]


def _seed_reasons(seed_set: SeedSet) -> list[Reason]:
    genres = zip(seed_set.genre_seeds, seed_set.vectors, strict=False)
    return [
        Reason(item.resource_type, item.name, item_uri(item.resource_type, item.spotify_id), vector)
        for item, vector in seed_set.item_vectors
    ] + [Reason("genre", genre, None, vector) for genre, vector in genres]


def _query_vectors(seed_set: SeedSet, model: MusicModel | None) -> list[np.ndarray]:
    """The seed vectors sent to the engine: in a collaborative space, the items become one folded-in taste."""
    if model is None or model.collaborative is None or not seed_set.item_vectors:
        return list(seed_set.vectors)
    vectors = np.vstack([vector for _, vector in seed_set.item_vectors])
    if vectors.shape[1] != model.dimension:
        return list(seed_set.vectors)
    folded = model.collaborative.items_query(vectors, confidence(np.full(len(vectors), LIKE_WEIGHT)))
    genre_vectors = list(seed_set.vectors[: len(seed_set.genre_seeds)])
    return genre_vectors + ([folded] if folded is not None else [])


def _user_tastes(usernames: Sequence[str], requester) -> tuple[list[tuple[str, Taste | None]], MusicModel | None]:
    """Each named user's taste, if they share their listens with the requester (None: no listens yet), and the
    active model (read with their taste states: one query for all of them)."""
    wanted = sorted(set(usernames))
    states = taste_states_by_username(usernames=wanted)
    requester_id = getattr(requester, "pk", None)
    shared = {name: state for name, state in states.items() if state.user_id == requester_id or state.listens_public}
    errors = [
        f"'{username}' is not a user who shares their listening with you."
        for username in wanted
        if username.lower() not in shared
    ]
    if errors:
        raise SeedErrors({"users": errors})
    model = model_get_for_version(next(iter(shared.values())).model_version)
    tastes = []
    for username in wanted:
        state = shared[username.lower()]
        taste = taste_get(model=model, state=state)
        tastes.append((state.username, taste if taste.vector is not None else None))
    return tastes, model


def _ask_engine(client: EngineClient | None, *, names: dict[str, list[str]], **request) -> EngineRecommendations:
    """The engine's ranking, each result with its vector (to explain it without reading the vectors here)."""
    client = client or get_engine_client()
    try:
        return client.recommend(
            artists=names.get("artists", [])[:MAX_NAMES_PER_KIND],
            albums=names.get("albums", [])[:MAX_NAMES_PER_KIND],
            tracks=names.get("tracks", [])[:MAX_NAMES_PER_KIND],
            genres=names.get("genres", [])[:MAX_NAMES_PER_KIND],
            include_vectors=True,
            **request,
        )
    except EngineRejected as error:
        raise NothingToRecommendFrom(f"{NothingToRecommendFrom.default_detail} ({error.detail})") from error


def _answer(answer: EngineRecommendations, reasons: list[Reason] | ReasonSet, seeds: list[str]) -> Recommendations:
    results = {
        kind: [
            {"name": item.name, "likeness": item.likeness, "extra": item.extra, "vector": item.vector}
            for item in getattr(answer, kind)
        ]
        for kind in RESOURCE_TYPES
    }
    recommendations_explain(results, reasons)
    return Recommendations(
        **results,
        model_version=answer.model_version,
        generated_at=_parse_generated_at(answer.generated_at),
        unresolved=answer.unresolved,
        seeds=seeds,
    )


def _recommend(
    seed_set: SeedSet,
    model: MusicModel | None,
    tastes: list[tuple[str, Taste | None]],
    *,
    seed_weight: float,
    limit: int,
    resource_types: Sequence[str] | None,
    client: EngineClient | None,
) -> Recommendations:
    """Rank at the engine from resolved seeds and users' tastes; explain each result by its closest seed."""
    vectors = _query_vectors(seed_set, model) + [taste.vector for _, taste in tastes if taste is not None]
    if not vectors and not any(seed_set.names.values()):
        raise NothingToRecommendFrom()
    reasons = _seed_reasons(seed_set) + [reason for _, taste in tastes if taste for reason in taste.reasons.reasons]
    answer = _ask_engine(
        client,
        names=seed_set.names,
        seed_vectors=[np.asarray(vector).tolist() for vector in vectors[:MAX_SEED_VECTORS]],
        seed_weight=seed_weight,
        exclude_spotify_ids=seed_set.exclude_spotify_ids,
        limit=limit,
        resource_types=resource_types,
    )
    labels = _seed_labels(seed_set) + [f"user:{username}" for username, taste in tastes if taste is not None]
    return _answer(answer, reasons, labels)


def recommendation_list(
    *,
    request: SeedRequest,
    requester=None,
    seed_weight: float = DEFAULT_SEED_WEIGHT,
    limit: int = 10,
    resource_types: Sequence[str] | None = None,
    client: EngineClient | None = None,
) -> Recommendations:
    """Items like the request's seeds, ranked by the engine; seeds never come back.

    `request.users`: the listening taste of these users (the requester themselves, or users whose listens are
    public). Raises SeedErrors for invalid/unknown URIs, profiles or users, NothingToRecommendFrom when nothing
    resolves; ServiceUnavailable when the engine is down or slow (engine_client). Without `users`, the seeds and
    the active model's version are read in one query.
    """
    if request.is_empty:
        raise NothingToRecommendFrom(NO_SEED_MESSAGE)
    if request.users:
        tastes, model = _user_tastes(request.users, requester)
        without_taste = [username for username, taste in tastes if taste is None]
        seed_set = seeds_resolve(request=replace(request, profiles=[*request.profiles, *without_taste]), model=model)
    else:
        tastes = []
        seed_set, model = seeds_resolve_with_model(request=request)
    return _recommend(
        seed_set, model, tastes, seed_weight=seed_weight, limit=limit, resource_types=resource_types, client=client
    )


def _popular_in_genres(
    genres: Sequence[str], limit: int, resource_types: Sequence[str] | None, model_version: str | None
) -> Recommendations:
    """The most popular catalog items of these genres (for someone whose profile has only genres we cannot embed)."""
    wanted = resource_types or RESOURCE_TYPES
    names = [genre.strip() for genre in genres if genre.strip()]
    querysets = {
        "artists": Artist.objects.filter(genres__name__in=names),
        "albums": Album.objects.filter(artists__genres__name__in=names),
        "tracks": Track.objects.filter(artists__genres__name__in=names),
    }
    results: dict[str, Any] = {}
    for kind in RESOURCE_TYPES:
        rows = []
        if kind in wanted:
            queryset = querysets[kind].distinct()
            order = ["-popularity", "id"] if kind != "albums" else ["-release_date", "id"]
            rows = list(
                queryset.order_by(*order).values("name", "spotify_id", *(["popularity"] if kind != "albums" else []))[
                    :limit
                ]
            )
        results[kind] = [
            {
                "name": row["name"],
                "likeness": round((row.get("popularity") or 0) / 100, 3),
                "extra": {"spotify_id": row["spotify_id"], "popular_in": names},
            }
            for row in rows
        ]
    recommendations_explain(results, [])
    return Recommendations(
        **results,
        model_version=model_version or "unknown",
        generated_at=datetime.now(UTC),
        seeds=[f"genre:{g}" for g in names],
    )


def recommendation_list_for_user(
    *,
    user,
    mode: str = "discover",
    limit: int = 10,
    resource_types: Sequence[str] | None = None,
    client: EngineClient | None = None,
) -> Recommendations:
    """Recommendations from the user's taste (services.taste); without listens or likes yet, from their profile,
    then from what is popular in their favourite genres. `discover` leaves out what they play often.

    EmptyProfile when they have no listens, likes or favourites.
    """
    state = taste_state_get(user_id=user.pk)
    if state is None:
        raise EmptyProfile()
    model = model_get_for_version(state.model_version)
    taste = taste_get(user=user, model=model, state=state)
    if taste.vector is not None:
        exclude = taste.played_often[:MAX_EXCLUDED] if mode == "discover" else []
        answer = _ask_engine(
            client,
            names={},
            seed_vectors=[taste.vector.tolist()],
            exclude_spotify_ids=exclude,
            limit=limit,
            resource_types=resource_types,
        )
        return _answer(answer, taste.reasons, [f"user:{state.username}"])
    raw = state.favourites or {}
    if not any(raw.get(kind) for kind in ("artists", "albums", "tracks", "genres")):
        raise EmptyProfile()
    favourites = profile_favourites(raw)
    try:
        seed_set = seeds_resolve(favourites=favourites, model=model)
        return _recommend(
            seed_set,
            model,
            [],
            seed_weight=DEFAULT_SEED_WEIGHT,
            limit=limit,
            resource_types=resource_types,
            client=client,
        )
    except NothingToRecommendFrom:
        if not raw.get("genres"):
            raise
        return _popular_in_genres(favourites["genres"], limit, resource_types, state.model_version)


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
        embedding_model._default_manager.values_list(
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
            "vector": bytes(rows[position][0]),
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
    request: SeedRequest,
    seed_weight: float = DEFAULT_SEED_WEIGHT,
    limit: int = 10,
    resource_types: Sequence[str] | None = None,
) -> Recommendations:
    """Like `recommendation_list` (without `users`), scored in this process from the stored embeddings (no engine).

    Same query vector (juke_ml.query) and exact top-k (juke_ml.index) as the engine. Names that match no
    catalog item are embedded as text (genre words) when the model knows them, else reported as unresolved.
    """
    if request.is_empty:
        raise NothingToRecommendFrom(NO_SEED_MESSAGE)
    model = model_get_active()
    seed_set = seeds_resolve(request=request, model=model)
    if seed_set.is_empty:
        raise NothingToRecommendFrom()
    name_vectors = []
    unresolved = []
    for names in seed_set.names.values():
        for name in names:
            vector, quality = model.embed("text", {"text": name}) if model is not None else (None, 0.0)
            if vector is not None and quality > 0:
                name_vectors.append(vector)
            else:
                unresolved.append(name)
    query = build_query_vector(
        seed_vectors=_query_vectors(seed_set, model), name_vectors=name_vectors, seed_weight=seed_weight
    )
    if query is None:
        raise NothingToRecommendFrom()
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
    recommendations_explain(results, _seed_reasons(seed_set))
    return Recommendations(
        **results,
        model_version=model.version if model is not None else (model_artifact_active_version() or "unknown"),
        generated_at=datetime.now(UTC),
        unresolved=sorted(unresolved),
        seeds=_seed_labels(seed_set),
    )
