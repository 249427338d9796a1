"""Read queries of the recommender: the active model, stored embeddings, and what a request's seeds resolve to."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BinaryField,
    CharField,
    Exists,
    F,
    IntegerField,
    QuerySet,
    Subquery,
    Value,
)

from catalog.models import Album, Artist, Track
from juke_auth.models import MusicProfile
from listening.models import Like, ListenHistoryVersion
from recommender.models import AlbumEmbedding, ArtistEmbedding, ModelArtifact, TrackEmbedding

EMBEDDING_MODELS = {"artist": ArtistEmbedding, "album": AlbumEmbedding, "track": TrackEmbedding}
CATALOG_MODELS: dict[str, type[Artist] | type[Album] | type[Track]] = {"artist": Artist, "album": Album, "track": Track}
_ROW = ("lookup", "item_id", "item_spotify_id", "item_name", "item_vector")


def model_artifact_get_active() -> ModelArtifact | None:
    """The active trained model, or None before the first `retrain`."""
    return ModelArtifact.objects.filter(is_active=True).first()


def model_artifact_get(*, version: str) -> ModelArtifact | None:
    """The trained model of this version, active or not."""
    return ModelArtifact.objects.filter(version=version).first()


def model_artifact_active_version() -> str | None:
    """The active model's version (one small query), or None."""
    return ModelArtifact.objects.filter(is_active=True).values_list("version", flat=True).first()


def _active_version() -> Subquery:
    return Subquery(ModelArtifact.objects.filter(is_active=True).order_by().values("version")[:1])


def embedding_vectors_get(*, resource_type: str, item_ids: list[int]) -> dict[int, bytes]:
    """Stored vectors (raw float32 bytes) of the given catalog items of one type, keyed by item id."""
    model = EMBEDDING_MODELS[resource_type]
    key = f"{resource_type}_id"
    return {
        row[key]: bytes(row["vector"])
        for row in model._default_manager.filter(**{f"{key}__in": item_ids}).values(key, "vector")
    }


def embedding_vectors_by_spotify_id(*, spotify_ids: dict[str, list[str]]) -> dict[tuple[str, str], bytes]:
    """Stored vectors of catalog items given by type and Spotify id, keyed by (type, spotify_id); one query."""
    members = [
        EMBEDDING_MODELS[resource_type]
        ._default_manager.filter(**{f"{resource_type}__spotify_id__in": ids})
        .annotate(
            kind=Value(resource_type, output_field=CharField()),
            item_spotify_id=F(f"{resource_type}__spotify_id"),
            item_vector=F("vector"),
        )
        .values_list("kind", "item_spotify_id", "item_vector")
        for resource_type, ids in spotify_ids.items()
        if ids
    ]
    if not members:
        return {}
    rows = members[0].union(*members[1:], all=True) if len(members) > 1 else members[0]
    return {(kind, spotify_id): bytes(vector) for kind, spotify_id, vector in rows}


def embedding_list(*, resource_type: str) -> QuerySet:
    """Every stored embedding of one type, with its catalog item."""
    return EMBEDDING_MODELS[resource_type]._default_manager.select_related(resource_type)


@dataclass(frozen=True)
class CatalogLookup:
    """One way to find a catalog item: by its exact Spotify id, or by name (case-insensitive, most popular first)."""

    resource_type: str  # artist | album | track
    field: str  # spotify_id | name
    value: str
    unless_spotify_id: bool = False  # a name lookup only when no item has `value` as its Spotify id


@dataclass(frozen=True)
class CatalogMatch:
    """The item a lookup found, with its stored vector (raw float32 bytes; None when not embedded yet)."""

    resource_type: str
    item_id: int
    spotify_id: str
    name: str
    vector: bytes | None


def _lookup_queryset(position: int, lookup: CatalogLookup) -> QuerySet:
    manager = CATALOG_MODELS[lookup.resource_type]._default_manager
    if lookup.field == "spotify_id":
        return _matched(manager.filter(spotify_id=lookup.value).order_by(), position)
    queryset = manager.filter(name__iexact=lookup.value)
    if lookup.unless_spotify_id:
        # Evaluated once, before the scan (PostgreSQL: a one-time filter): an id that exists skips the name search.
        queryset = queryset.filter(~Exists(manager.filter(spotify_id=lookup.value)))
    if lookup.resource_type in ("artist", "track"):
        # Several items can share a name: the most popular one is the likeliest meant.
        return _matched(queryset.order_by(F("popularity").desc(nulls_last=True), "id"), position)
    return _matched(queryset.order_by("id"), position)


def _matched(queryset: QuerySet, position: int) -> QuerySet:
    return queryset.annotate(
        lookup=Value(position, output_field=IntegerField()),
        item_id=F("id"),
        item_spotify_id=F("spotify_id"),
        item_name=F("name"),
        item_vector=F("embedding__vector"),
    ).values_list(*_ROW)[:1]


def _version_queryset() -> QuerySet:
    return (
        ModelArtifact.objects.filter(is_active=True)
        .order_by()
        .annotate(
            lookup=Value(-1, output_field=IntegerField()),
            item_id=F("id"),
            item_spotify_id=F("version"),
            item_name=F("version"),
            item_vector=Value(None, output_field=BinaryField()),
        )
        .values_list(*_ROW)[:1]
    )


def catalog_lookups_get(
    *, lookups: Sequence[CatalogLookup], with_model_version: bool = True
) -> tuple[str | None, list[CatalogMatch | None]]:
    """The active model's version and what each lookup finds (None: nothing), in one query (a UNION ALL).

    Without `with_model_version` the version is not read (None) and no query runs when there is no lookup.
    """
    members = [_version_queryset()] if with_model_version else []
    members += [_lookup_queryset(position, lookup) for position, lookup in enumerate(lookups)]
    if not members:
        return None, []
    rows: Any
    if len(members) == 1:
        rows = members[0]
    elif connection.features.supports_slicing_ordering_in_compound:
        rows = members[0].union(*members[1:], all=True)
    else:  # SQLite (the embedded default): no LIMIT inside a UNION, so one query per lookup
        rows = [row for member in members for row in member]
    version = None
    matches: list[CatalogMatch | None] = [None] * len(lookups)
    for position, item_id, spotify_id, name, vector in rows:
        if position < 0:
            version = spotify_id
            continue
        resource_type = lookups[position].resource_type
        matches[position] = CatalogMatch(
            resource_type, item_id, spotify_id, name, bytes(vector) if vector is not None else None
        )
    return version, matches


FAVOURITE_KINDS = ("artists", "albums", "tracks", "genres")


@dataclass(frozen=True)
class TasteState:
    """What a user's taste is built from, read in one query: their favourites, listens' version, like counter, model."""

    user_id: int
    username: str
    listens_public: bool  # whether others may use their listens (their music profile says so)
    favourites: dict[str, Any] | None  # the music profile's favorite_<kind> values by kind; None without a profile
    model_version: str | None
    listens: int  # their ListenHistoryVersion (0 without one)
    likes: str  # "<how many>:<last id>"


def _taste_state_sql(where: str) -> str:
    """Per user matching `where`: the user, their profile's favourites, their listens' version, (count, last id)
    of their likes, the active model. Plain SQL: the same read through the ORM (values + subquery annotations)
    cost 3x the query's own time in compiling and converting (measured in bench/RESULTS.md, "recommendations/me/
    queries"). The listens' version is one row where counting a heavy listener's listens read 10,000."""
    users, profiles = get_user_model()._meta.db_table, MusicProfile._meta.db_table
    versions, likes, models = ListenHistoryVersion._meta.db_table, Like._meta.db_table, ModelArtifact._meta.db_table
    favourites = ", ".join(f"p.favorite_{kind}" for kind in FAVOURITE_KINDS)
    return (
        f"SELECT u.id, u.username, p.id, p.listens_public, {favourites}, v.version, "  # noqa: S608 - our identifiers
        f"(SELECT COUNT(*) FROM {likes} WHERE user_id = u.id), (SELECT MAX(id) FROM {likes} WHERE user_id = u.id), "
        f"(SELECT version FROM {models} WHERE is_active LIMIT 1) "
        f"FROM {users} u LEFT JOIN {profiles} p ON p.user_id = u.id "
        f"LEFT JOIN {versions} v ON v.user_id = u.id "
        f"WHERE {where}"
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _taste_states(where: str, params: Sequence[Any]) -> list[TasteState]:
    with connection.cursor() as cursor:
        cursor.execute(_taste_state_sql(where), params)
        rows = cursor.fetchall()
    states = []
    for found_id, username, profile_id, public, *favourites, listens_version, likes, last_like, version in rows:
        states.append(
            TasteState(
                user_id=found_id,
                username=username,
                listens_public=bool(public),
                favourites=None
                if profile_id is None
                else {kind: _json(value) for kind, value in zip(FAVOURITE_KINDS, favourites, strict=True)},
                model_version=version,
                listens=listens_version or 0,
                likes=f"{likes}:{last_like}",
            )
        )
    return states


def taste_state_get(*, user_id: int) -> TasteState | None:
    """The user's favourites, their listens' version, the count and last id of their likes, and the active model's
    version: everything a cached taste's key depends on (one query). None if the user does not exist."""
    states = _taste_states("u.id = %s", [user_id])
    return states[0] if states else None


def taste_states_by_username(*, usernames: Sequence[str]) -> dict[str, TasteState]:
    """`taste_state_get` of the users with these usernames (case-insensitive), all in one query; by lower-cased
    username. Those that do not exist are missing."""
    if not usernames:
        return {}
    placeholders = ", ".join(["LOWER(%s)"] * len(usernames))
    states = _taste_states(f"LOWER(u.username) IN ({placeholders})", list(usernames))
    return {state.username.lower(): state for state in states}
