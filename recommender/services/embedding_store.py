"""Write computed embeddings in bulk, in the deployed space of the model (content, or collaborative when trained).

Unchanged vectors are not rewritten; a vector that only gets the new model version is counted as relabelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from juke_ml.collaborative import hybrid_factors, parent_fallback
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
    parents: tuple[tuple[str, int], ...] = ()  # a track's album and artists (juke_ml.collaborative.parent_fallback)


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


@dataclass
class _Raw:
    """Items' raw hybrid factors (rows in `item_ids` order) and their support."""

    item_ids: list[int]
    raw: np.ndarray
    own: np.ndarray
    support: np.ndarray


def _raw_factors(space, resource_type: str, computed: dict[int, Computed]) -> _Raw:
    item_ids = list(computed)
    stored = _item_factors(resource_type, item_ids)
    own = np.zeros((len(item_ids), space.factors))
    support = np.zeros(len(item_ids))
    for row, item_id in enumerate(item_ids):
        if item_id in stored:
            own[row] = np.frombuffer(stored[item_id][0], dtype="<f4")
            support[row] = stored[item_id][1]
    content = space.content_raw(np.vstack([computed[item_id].vector for item_id in item_ids]))
    return _Raw(item_ids, hybrid_factors(own, support, content, shrinkage=space.shrinkage), own, support)


def _with_parents(space, tracks: _Raw, computed: dict[int, Computed], parents_raw: dict[str, _Raw]) -> np.ndarray:
    """Tracks fall back to their album and artists before their sound (juke_ml.collaborative.parent_fallback)."""
    rows = {kind: {item_id: row for row, item_id in enumerate(raw.item_ids)} for kind, raw in parents_raw.items()}
    stacked = np.vstack([tracks.raw, *(raw.raw for raw in parents_raw.values())])
    offsets, offset = {}, len(tracks.item_ids)
    for kind, raw in parents_raw.items():
        offsets[kind] = offset
        offset += len(raw.item_ids)
    width = max((len(computed[item_id].parents) for item_id in tracks.item_ids), default=0)
    parents = np.full((len(stacked), max(width, 1)), -1, dtype=np.int64)
    for row, item_id in enumerate(tracks.item_ids):
        found = [offsets[k] + rows[k][i] for k, i in computed[item_id].parents if i in rows.get(k, {})]
        parents[row, : len(found)] = found
    own = np.vstack([tracks.own, *(raw.own for raw in parents_raw.values())])
    support = np.concatenate([tracks.support, *(raw.support for raw in parents_raw.values())])
    blended = parent_fallback(stacked, own, support, parents, space.shrinkage)
    return blended[: len(tracks.item_ids)]


def _deployed(model: MusicModel, computed: dict[str, dict[int, Computed]]) -> dict[str, dict[int, Computed]]:
    """Content vectors moved into the model's collaborative space, blended with each item's own factor."""
    space = model.collaborative
    if space is None:
        return computed
    raw = {kind: _raw_factors(space, kind, items) for kind, items in computed.items() if items}
    if "track" in raw:
        parents_raw: dict[str, _Raw] = {kind: raw[kind] for kind in ("album", "artist") if kind in raw}
        raw["track"].raw = _with_parents(space, raw["track"], computed["track"], parents_raw)
    deployed: dict[str, dict[int, Computed]] = {kind: {} for kind in computed}
    for kind, items in raw.items():
        vectors = space.item_vectors(items.raw)
        for row, item_id in enumerate(items.item_ids):
            item = computed[kind][item_id]
            metadata = {**item.metadata, "listeners": int(items.support[row])}
            deployed[kind][item_id] = Computed(vectors[row], item.quality, metadata)
    return deployed


_EMBEDDING_MODELS: dict[str, type[TrackEmbedding] | type[AlbumEmbedding] | type[ArtistEmbedding]] = {
    "track": TrackEmbedding,
    "album": AlbumEmbedding,
    "artist": ArtistEmbedding,
}
_UPDATED_FIELDS = ("vector", "model_version", "quality_score", "metadata", "modified_at")


def _update_rows(embedding_model, objects: list) -> None:
    """UPDATE rows by primary key with one prepared statement (executemany).

    Django's bulk_update builds a CASE WHEN per field and row, which cost ~1.5 s per 1,000 rows here.
    """
    fields = [embedding_model._meta.get_field(name) for name in _UPDATED_FIELDS]
    table = connection.ops.quote_name(embedding_model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    sql = f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('id')} = %s"  # noqa: S608 - our identifiers, bound values
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
    deployed = _deployed(model, computed)
    with transaction.atomic():
        for resource_type in RESOURCE_TYPES:
            _store(
                model=model,
                resource_type=resource_type,
                computed=deployed[resource_type],
                result=result,
                progress=progress,
            )
    return result
