"""Write computed embeddings in bulk, in the deployed space of the model (content, or collaborative when trained).

Unchanged vectors are not rewritten; a vector that only gets the new model version is counted as relabelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from juke_ml.collaborative import hybrid_factors
from juke_ml.model import MusicModel
from recommender.models import AlbumEmbedding, ArtistEmbedding, ItemFactor, TrackEmbedding

WRITE_BATCH_SIZE = 1000
READ_CHUNK_SIZE = 900  # below SQLite's default limit of variables in one query
RESOURCE_TYPES = ("track", "album", "artist")

# (iterable, total, description) -> iterable; the retrain command passes a tqdm progress bar.
ProgressFactory = Callable[[Iterable, int, str], Iterable]


@dataclass
class Computed:
    vector: np.ndarray
    quality: float
    metadata: dict


@dataclass
class EmbeddingSyncResult:
    """How many embeddings a sync wrote, per resource type."""

    created: dict[str, int] = field(default_factory=lambda: {"track": 0, "album": 0, "artist": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"track": 0, "album": 0, "artist": 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {"track": 0, "album": 0, "artist": 0})
    # Rows whose vector stayed the same and only got the new model version.
    relabelled: dict[str, int] = field(default_factory=lambda: {"track": 0, "album": 0, "artist": 0})

    @property
    def changed(self) -> int:
        """Rows created or whose vector changed."""
        return sum(self.created.values()) + sum(self.updated.values()) - sum(self.relabelled.values())

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.unchanged.values())


def _no_progress(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


def _item_factors(resource_type: str, item_ids: list[int]) -> dict[int, tuple[bytes, int]]:
    factors: dict[int, tuple[bytes, int]] = {}
    ordered = sorted(item_ids)
    for start in range(0, len(ordered), READ_CHUNK_SIZE):
        rows = ItemFactor.objects.filter(
            resource_type=resource_type, item_id__in=ordered[start : start + READ_CHUNK_SIZE]
        ).values_list("item_id", "factor", "support")
        factors.update({item_id: (bytes(factor), support) for item_id, factor, support in rows})
    return factors


def _deployed(model: MusicModel, resource_type: str, computed: dict[int, Computed]) -> dict[int, Computed]:
    """Content vectors moved into the model's collaborative space, blended with each item's own factor."""
    space = model.collaborative
    if space is None or not computed:
        return computed
    item_ids = list(computed)
    stored = _item_factors(resource_type, item_ids)
    own = np.zeros((len(item_ids), space.factors))
    support = np.zeros(len(item_ids))
    for row, item_id in enumerate(item_ids):
        if item_id in stored:
            own[row] = np.frombuffer(stored[item_id][0], dtype="<f4")
            support[row] = stored[item_id][1]
    content = space.content_raw(np.vstack([computed[item_id].vector for item_id in item_ids]))
    raw = hybrid_factors(own, support, content, shrinkage=space.shrinkage)
    vectors = space.item_vectors(raw)
    return {
        item_id: Computed(
            vectors[row], computed[item_id].quality, {**computed[item_id].metadata, "listeners": int(support[row])}
        )
        for row, item_id in enumerate(item_ids)
    }


_EMBEDDING_MODELS = {"track": TrackEmbedding, "album": AlbumEmbedding, "artist": ArtistEmbedding}
_UPDATED_FIELDS = ("vector", "model_version", "quality_score", "metadata", "modified_at")


def _update_rows(embedding_model, objects: list) -> None:
    """UPDATE rows by primary key with one prepared statement (executemany).

    Django's bulk_update builds a CASE WHEN per field and row, which cost ~1.5 s per 1,000 rows here.
    """
    fields = [embedding_model._meta.get_field(name) for name in _UPDATED_FIELDS]
    table = connection.ops.quote_name(embedding_model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    sql = f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('id')} = %s"
    params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _existing(embedding_model, key: str, item_ids: list[int]) -> dict[int, tuple[int, bytes, str]]:
    """Stored rows of these items: item id -> (row id, vector bytes, model version)."""
    existing: dict[int, tuple[int, bytes, str]] = {}
    rows = embedding_model.objects.values("id", key, "vector", "model_version")
    ordered = sorted(item_ids)
    for start in range(0, len(ordered), READ_CHUNK_SIZE):
        for row in rows.filter(**{f"{key}__in": ordered[start : start + READ_CHUNK_SIZE]}):
            existing[row[key]] = (row["id"], bytes(row["vector"]), row["model_version"])
    return existing


def _write(embedding_model, to_create: list, to_update: list, progress: ProgressFactory, label: str) -> None:
    batches = [(True, to_create[i : i + WRITE_BATCH_SIZE]) for i in range(0, len(to_create), WRITE_BATCH_SIZE)]
    batches += [(False, to_update[i : i + WRITE_BATCH_SIZE]) for i in range(0, len(to_update), WRITE_BATCH_SIZE)]
    for creating, batch in progress(batches, len(batches), f"Writing {label} embeddings"):
        if creating:
            # ignore_conflicts: a concurrent task may have created the same row; the next sync fixes its vector.
            embedding_model.objects.bulk_create(batch, ignore_conflicts=True)
        else:
            _update_rows(embedding_model, batch)


def _store(
    *,
    model: MusicModel,
    resource_type: str,
    computed: dict[int, Computed],
    result: EmbeddingSyncResult,
    progress: ProgressFactory,
) -> None:
    embedding_model = _EMBEDDING_MODELS[resource_type]
    key = f"{resource_type}_id"
    now = timezone.now()
    existing = _existing(embedding_model, key, list(computed))
    to_create: list = []
    to_update: list = []
    for item_id, item in computed.items():
        fields = {
            "vector": np.asarray(item.vector, dtype="<f4").tobytes(),
            "model_version": model.version,
            "quality_score": round(float(item.quality), 4),
            "metadata": {**item.metadata, "resource_type": resource_type},
        }
        previous = existing.get(item_id)
        if previous is None:
            to_create.append(embedding_model(**{key: item_id}, **fields))
        elif previous[1] != fields["vector"] or previous[2] != model.version:
            if previous[1] == fields["vector"]:
                result.relabelled[resource_type] += 1
            # bulk updates skip auto_now; the engine polls modified_at
            to_update.append(embedding_model(id=previous[0], modified_at=now, **fields))
        else:
            result.unchanged[resource_type] += 1
    _write(embedding_model, to_create, to_update, progress, resource_type)
    result.created[resource_type] += len(to_create)
    result.updated[resource_type] += len(to_update)


def embeddings_write(
    *, model: MusicModel, computed: dict[str, dict[int, Computed]], progress: ProgressFactory | None = None
) -> EmbeddingSyncResult:
    """Store content-space vectors computed by `embeddings_compute`, moved into the model's deployed space."""
    result = EmbeddingSyncResult()
    progress = progress or _no_progress
    with transaction.atomic():
        for resource_type in RESOURCE_TYPES:
            _store(
                model=model,
                resource_type=resource_type,
                computed=_deployed(model, resource_type, computed[resource_type]),
                result=result,
                progress=progress,
            )
    return result
