"""A user's taste: one query vector from what they play (recent listens weigh more), like and name as favourites.

With a collaborative model the vector is the query of their items in the model's space
(juke_ml.collaborative.CollaborativeSpace.items_query: the deployed mode's query); with the content model alone it
is the weighted mean direction of their items' vectors. Favourite genres pull it towards their genre vectors.
A user with no listens and no likes has no taste vector yet: recommendations then come from the profile.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
from django.core.cache import cache
from django.utils import timezone

from juke_ml.collaborative import CollaborativeConfig, taste_vector
from juke_ml.model import MusicModel
from recommender.selectors import EMBEDDING_MODELS, FAVOURITE_KINDS, TasteState, taste_state_get
from recommender.services.collaborative import LIKE_WEIGHT
from recommender.services.explain import Reason, ReasonSet, item_uri, reason_set
from recommender.services.interactions import ItemKey, interactions_load
from recommender.services.seeds import profile_favourites, seeds_resolve

CONFIG = CollaborativeConfig()
CACHE_SECONDS = 3600
OFTEN_PLAYS = 3  # "plays often": at least this many listens (all time)
MAX_TASTE_ITEMS = 600  # the most weighted items a taste is built from (the fold-in is a 31 x 31 solve)
GENRE_PULL = 0.5  # how far favourite genres pull the taste (against 1 for the played items)


@dataclass(frozen=True)
class TasteItem:
    """One item a taste is made of."""

    resource_type: str
    item_id: int
    spotify_id: str
    name: str
    weight: float
    plays: int
    vector: np.ndarray


@dataclass
class Taste:
    vector: np.ndarray | None
    items: list[TasteItem] = field(default_factory=list)
    genres: list[tuple[str, np.ndarray]] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled into the cache: the items' vectors as one matrix, so loading is one array, not one per item."""
        if len({len(item.vector) for item in self.items}) != 1:
            return dict(self.__dict__)
        rows = [(i.resource_type, i.item_id, i.spotify_id, i.name, i.weight, i.plays) for i in self.items]
        matrix = np.vstack([item.vector for item in self.items])
        return {"vector": self.vector, "genres": self.genres, "item_rows": rows, "item_matrix": matrix}

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "item_rows" in state:
            matrix = state.pop("item_matrix")
            rows = state.pop("item_rows")
            state["items"] = [
                TasteItem(kind, item_id, spotify_id, name, weight, plays, matrix[n])
                for n, (kind, item_id, spotify_id, name, weight, plays) in enumerate(rows)
            ]
        self.__dict__.update(state)

    # Cached on the taste: a process keeps its recent tastes (_LocalTastes), so each is worked out once.
    @cached_property
    def played_often(self) -> list[str]:
        """Spotify ids of the items played at least OFTEN_PLAYS times, most played first."""
        often = sorted((item for item in self.items if item.plays >= OFTEN_PLAYS), key=lambda item: -item.plays)
        return [item.spotify_id for item in often]

    @cached_property
    def reasons(self) -> ReasonSet:
        """What a recommendation from this taste can be "because of": its items, most weighted first, then genres."""
        items = sorted(self.items, key=lambda item: -item.weight)
        return reason_set(
            [
                Reason(item.resource_type, item.name, item_uri(item.resource_type, item.spotify_id), item.vector)
                for item in items
            ]
            + [Reason("genre", genre, None, vector) for genre, vector in self.genres]
        )


def confidence(weights: np.ndarray) -> np.ndarray:
    """The training confidence of summed interaction weights (juke_ml.collaborative.confidence_matrix)."""
    return 1.0 + CONFIG.alpha * np.log1p(np.clip(weights, 0.0, None))


def _interaction_weights(user_id: int, now: datetime) -> tuple[dict[ItemKey, float], dict[ItemKey, int]]:
    interactions = interactions_load(
        now=now, half_life_days=CONFIG.half_life_days, like_weight=LIKE_WEIGHT, user_id=user_id
    )
    weights = {item: weight for (_, item), weight in interactions.weights.items()}
    plays = {item: count for (_, item), count in interactions.plays.items()}
    return weights, plays


def _items(weights: dict[ItemKey, float], plays: dict[ItemKey, int]) -> list[TasteItem]:
    """The most weighted items that have a stored vector, with their names and Spotify ids (one query per type)."""
    top = sorted(weights, key=lambda key: -weights[key])[:MAX_TASTE_ITEMS]
    items = []
    for resource_type, embedding_model in EMBEDDING_MODELS.items():
        ids = [item_id for kind, item_id in top if kind == resource_type]
        if not ids:
            continue
        key = f"{resource_type}_id"
        rows = embedding_model._default_manager.filter(**{f"{key}__in": ids}).values_list(
            key, "vector", f"{resource_type}__spotify_id", f"{resource_type}__name"
        )
        for item_id, vector, spotify_id, name in rows:
            weight, count = weights[(resource_type, item_id)], plays.get((resource_type, item_id), 0)
            vector_array = np.frombuffer(bytes(vector), dtype="<f4")
            items.append(TasteItem(resource_type, item_id, spotify_id, name, weight, count, vector_array))
    return items


def _favourites(
    favourites: dict[str, Any] | None, model: MusicModel | None
) -> tuple[list[TasteItem], list[tuple[str, np.ndarray]]]:
    """The profile's favourites that resolve to catalog items (as likes) and genre vectors."""
    if favourites is None:
        return [], []
    seed_set = seeds_resolve(favourites=profile_favourites(favourites), model=model)
    items = [
        TasteItem(seed.resource_type, seed.item_id, seed.spotify_id, seed.name, LIKE_WEIGHT, 0, vector)
        for seed, vector in seed_set.item_vectors
    ]
    genres = list(zip(seed_set.genre_seeds, seed_set.vectors[: len(seed_set.genre_seeds)], strict=True))
    return items, genres


def _items_vector(items: list[TasteItem], model: MusicModel | None) -> np.ndarray | None:
    vectors = np.vstack([item.vector for item in items])
    weights = np.asarray([item.weight for item in items])
    if model is not None and model.collaborative is not None and vectors.shape[1] == model.dimension:
        return model.collaborative.items_query(vectors, confidence(weights))
    return taste_vector(vectors, confidence(weights))


def _cache_key(state: TasteState, model: MusicModel | None) -> str:
    """Changes whenever what the taste is built from changes: listens, likes, favourites or the model."""
    favourites = [state.favourites[kind] for kind in FAVOURITE_KINDS] if state.favourites is not None else []
    content = [state.listens, state.likes, favourites, model.version if model else None]
    digest = hashlib.sha1(
        json.dumps(content, sort_keys=True, default=str).encode("utf-8"), usedforsecurity=False
    ).hexdigest()
    return f"taste:{state.user_id}:{digest}"


def taste_get(
    *, user=None, model: MusicModel | None, now: datetime | None = None, state: TasteState | None = None
) -> Taste:
    """The user's taste (see the module doc); `vector` is None until they have listened to or liked something.

    Cached (CACHE_SECONDS) under a key that changes with their listens, likes, favourites and the model, so a
    new listen is reflected at once; only the slow fade of older listens waits for the cache to expire.
    `state`: the user's taste state when the caller has read it already (recommender.selectors.taste_state_get);
    then `user` is not needed.
    """
    state = state or taste_state_get(user_id=user.pk)
    if state is None:  # the user is gone
        return Taste(vector=None)
    if now is not None:
        return _taste_build(state=state, model=model, now=now)
    key = _cache_key(state, model)
    taste = _local.get(key)
    if taste is None:
        taste = cache.get(key)
        if taste is None:
            taste = _taste_build(state=state, model=model, now=timezone.now())
            cache.set(key, taste, CACHE_SECONDS)
        _local.put(key, taste)
    return taste


class _LocalTastes:
    """The last few tastes this process served, so a user's next request skips fetching and unpickling theirs.

    Safe to keep: a key names exactly what its taste was built from (listens, likes, favourites, model). Entries
    live LOCAL_SECONDS, so only the slow fade of older listens can lag, and by at most that much more.
    """

    def __init__(self, size: int, seconds: float) -> None:
        self._entries: OrderedDict[str, tuple[float, Taste]] = OrderedDict()
        self._lock = threading.Lock()
        self._size, self._seconds = size, seconds

    def get(self, key: str) -> Taste | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, taste: Taste) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self._seconds, taste)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


LOCAL_TASTES = 32  # a few MB per process: a taste is at most MAX_TASTE_ITEMS items
LOCAL_SECONDS = 60.0
_local = _LocalTastes(LOCAL_TASTES, LOCAL_SECONDS)


def _taste_build(*, state: TasteState, model: MusicModel | None, now: datetime) -> Taste:
    weights, plays = _interaction_weights(state.user_id, now)
    played = _items(weights, plays)
    if not played:
        return Taste(vector=None)
    favourite_items, genres = _favourites(state.favourites, model)
    known = {(item.resource_type, item.item_id) for item in played}
    items = played + [item for item in favourite_items if (item.resource_type, item.item_id) not in known]
    vector = _items_vector(items, model)
    if vector is not None and genres:
        genre_direction = taste_vector(np.vstack([genre for _, genre in genres]), np.ones(len(genres)))
        if genre_direction is not None:
            vector = vector + GENRE_PULL * genre_direction
            vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
    return Taste(vector=vector, items=items, genres=genres)
