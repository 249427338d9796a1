"""Learn collaborative item factors from listens and likes at `retrain` (juke_ml.collaborative does the maths)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import transaction
from django.utils import timezone

from juke_ml.collaborative import CollaborativeConfig, CollaborativeSpace, confidence_matrix, factors_fit, space_fit
from recommender.models import ItemFactor
from recommender.services.embedding_store import Computed
from recommender.services.interactions import ItemKey, interactions_load

logger = logging.getLogger(__name__)

MIN_USERS = 2  # with fewer, there is nothing to learn across people: the content model stays deployed
LIKE_WEIGHT = 5.0  # a like counts as this many listens
FACTOR_WRITE_BATCH = 5000


@dataclass
class CollaborativeFit:
    """The deployed space (None when there is too little interaction data) and each item's own factor."""

    space: CollaborativeSpace | None
    items: list[ItemKey] = field(default_factory=list)
    factors: np.ndarray | None = None
    support: np.ndarray | None = None
    metrics: dict = field(default_factory=dict)

    def store_factors(self, *, model_version: str) -> None:
        """Replace every stored item factor with this fit's (none without a space)."""
        with transaction.atomic():
            ItemFactor.objects.all().delete()
            if self.space is None or self.factors is None or self.support is None:
                return
            rows = (
                ItemFactor(
                    resource_type=resource_type,
                    item_id=item_id,
                    factor=np.asarray(self.factors[position], dtype="<f4").tobytes(),
                    support=int(self.support[position]),
                    model_version=model_version,
                )
                for position, (resource_type, item_id) in enumerate(self.items)
            )
            ItemFactor.objects.bulk_create(rows, batch_size=FACTOR_WRITE_BATCH)


def _parents(items: list[ItemKey], content: dict[str, dict[int, Computed]]) -> np.ndarray:
    """Column indices of each track column's album and artists (-1: none), for the parent fallback."""
    column = {item: position for position, item in enumerate(items)}
    rows = [
        [column[parent] for parent in content["track"][item_id].parents if parent in column]
        if resource_type == "track"
        else []
        for resource_type, item_id in items
    ]
    parents = np.full((len(items), max((len(row) for row in rows), default=0) or 1), -1, dtype=np.int64)
    for position, row in enumerate(rows):
        parents[position, : len(row)] = row
    return parents


def collaborative_fit(
    *,
    content: dict[str, dict[int, Computed]],
    content_dimension: int,
    now: datetime | None = None,
    config: CollaborativeConfig | None = None,
) -> CollaborativeFit:
    """Implicit ALS over every user's tracks, albums and artists, and the content mapping into its space.

    `content` holds the content-space vector of every catalog item (embeddings_compute); the deployed space
    has the content model's dimension (k = dimension - 1 factors, see juke_ml.collaborative.CollaborativeSpace).
    """
    config = config or CollaborativeConfig(factors=content_dimension - 1)
    started = time.perf_counter()
    interactions = interactions_load(
        now=now or timezone.now(), half_life_days=config.half_life_days, like_weight=LIKE_WEIGHT
    )
    users, items, rows, columns, weights = interactions.as_arrays()
    if len(users) < MIN_USERS:
        return CollaborativeFit(space=None, metrics={"users": len(users), "deployed": "content"})
    matrix = confidence_matrix(
        users=rows, items=columns, weights=weights, shape=(len(users), len(items)), alpha=config.alpha
    )
    factors = factors_fit(matrix, config)
    content_matrix = np.vstack([content[resource_type][item_id].vector for resource_type, item_id in items])
    space, _ = space_fit(content=content_matrix, factors=factors, config=config, parents=_parents(items, content))
    metrics = {
        "deployed": "collaborative",
        "users": len(users),
        "items": len(items),
        "interactions": int(matrix.nnz),
        "factors": config.factors,
        "seconds": round(time.perf_counter() - started, 2),
    }
    logger.info("Collaborative factors: %s", metrics)
    return CollaborativeFit(space, items, factors.item_factors, factors.support, metrics)
