"""What the engine holds in memory: per resource type the decoded rows and their index, in immutable snapshots.

Changes never edit a `TypeIndex` in place: `with_rows` and `without_missing` return new ones, so a request that took
a snapshot keeps a consistent view while the refresh thread builds the next.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from juke_ml.index import ApproximateIndex, ExactIndex, FloatArray, RowArray
from recommender_engine.app.schemas import RESOURCE_TYPES
from recommender_engine.app.services.repository import EmbeddingRows

if TYPE_CHECKING:
    from juke_ml.model import MusicModel

IndexBuilder = Callable[[FloatArray], ExactIndex | ApproximateIndex]


def _name_map(names: list[str], quality: npt.NDArray[np.float32]) -> dict[str, int]:
    by_name: dict[str, int] = {}
    for row, name in enumerate(names):
        key = name.lower()
        current = by_name.get(key)
        if current is None or quality[row] > quality[current]:
            by_name[key] = row
    return by_name


@dataclass(frozen=True)
class Columns:
    """Rows of one or more batches with usable vectors, decoded; row i of each column is one catalog item."""

    ids: RowArray  # embedding row ids
    matrix: FloatArray  # (n, dimension), L2-normalised
    spotify_ids: list[str]
    names: list[str]
    quality: npt.NDArray[np.float32]
    versions: list[str]  # model_version per row (interned)
    metadata: list[str | None]  # raw JSON text, None when empty
    skipped: frozenset[int] = frozenset()  # ids of rows whose vector has the wrong dimension (not indexed)
    newest: datetime | None = None
    dimension: int | None = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class TypeIndex(Columns):
    """Everything the engine keeps about one resource type: the columns, a name lookup and the vector index."""

    by_name: dict[str, int] = field(default_factory=dict)  # lowercase name -> row (highest quality wins)
    index: ExactIndex | ApproximateIndex = field(default_factory=lambda: ExactIndex(np.zeros((0, 0), np.float32)))

    @property
    def vector_dimension(self) -> int | None:
        return int(self.matrix.shape[1]) if self.matrix.ndim == 2 and self.matrix.shape[1] else None

    @property
    def seen_rows(self) -> int:
        return len(self.ids) + len(self.skipped)

    @classmethod
    def build(cls, columns: Columns, index_for: IndexBuilder) -> TypeIndex:
        fields = {name: getattr(columns, name) for name in Columns.__dataclass_fields__}
        index = index_for(columns.matrix)
        fields["matrix"] = index.matrix  # one copy: the index's (column-major for the exact index)
        return cls(**fields, by_name=_name_map(columns.names, columns.quality), index=index)

    @classmethod
    def empty(cls) -> TypeIndex:
        return cls.build(decode([], None), ExactIndex)

    def with_rows(self, changed: Columns) -> TypeIndex | None:
        """A copy with the changed rows replaced and new rows appended; None when a rebuild is needed instead."""
        if changed.skipped - self.skipped or (changed.dimension and changed.dimension != self.vector_dimension):
            return None  # a row changed to an unusable dimension: rebuild to drop it
        newest = max(filter(None, (self.newest, changed.newest)), default=None)
        if not len(changed):
            return _replace(self, newest=newest)
        order = np.argsort(self.ids, kind="stable")
        positions = np.minimum(np.searchsorted(self.ids[order], changed.ids), max(len(self) - 1, 0))
        found = self.ids[order][positions] == changed.ids
        targets = np.empty(len(changed), dtype=np.int64)  # each changed row's position: existing or appended
        targets[found] = order[positions[found]]
        targets[~found] = np.arange(len(self), len(self) + int((~found).sum()))
        matrix = np.concatenate([self.matrix, changed.matrix[~found]])
        matrix[targets[found]] = changed.matrix[found]
        quality = np.concatenate([self.quality, changed.quality[~found]])
        quality[targets[found]] = changed.quality[found]
        lists = {name: list(getattr(self, name)) for name in ("spotify_ids", "names", "versions", "metadata")}
        for name, values in lists.items():
            values.extend([None] * int((~found).sum()))  # filled just below
            source = getattr(changed, name)
            for position, row in enumerate(targets.tolist()):
                values[row] = source[position]
        by_name = _renamed(self.by_name, self.names, lists["names"], targets, quality)
        index = self.index.updated(matrix, targets)
        return TypeIndex(
            np.concatenate([self.ids, changed.ids[~found]]),
            index.matrix,  # the index's copy, as in `build`
            lists["spotify_ids"],
            lists["names"],
            quality,
            lists["versions"],
            lists["metadata"],
            self.skipped,
            newest,
            self.dimension,
            by_name,
            index,
        )

    def without_missing(self, existing_ids: RowArray, index_for: IndexBuilder) -> TypeIndex:
        """A copy without the rows whose embedding id is not in `existing_ids`."""
        keep = np.isin(self.ids, existing_ids)
        skipped = frozenset(np.intersect1d(np.fromiter(self.skipped, np.int64), existing_ids).tolist())
        if keep.all():
            return _replace(self, skipped=skipped)
        rows = np.flatnonzero(keep)
        matrix, quality = self.matrix[rows], self.quality[rows]
        names = [self.names[row] for row in rows.tolist()]
        index = self.index.without_rows(matrix, rows) if isinstance(self.index, ApproximateIndex) else index_for(matrix)
        return TypeIndex(
            self.ids[rows],
            index.matrix,
            [self.spotify_ids[row] for row in rows.tolist()],
            names,
            quality,
            [self.versions[row] for row in rows.tolist()],
            [self.metadata[row] for row in rows.tolist()],
            skipped,
            self.newest,
            self.dimension,
            _name_map(names, quality),
            index,
        )


def _replace(index: TypeIndex, **changes: object) -> TypeIndex:
    fields = {name: getattr(index, name) for name in TypeIndex.__dataclass_fields__}
    return TypeIndex(**{**fields, **changes})


def _renamed(
    by_name: dict[str, int], old_names: list[str], names: list[str], targets: RowArray, quality: FloatArray
) -> dict[str, int]:
    """The name map after the rows `targets` took the names `names[target]` (a rename frees the old name)."""
    updated = dict(by_name)
    for row in targets.tolist():
        if row < len(old_names):
            old_key = old_names[row].lower()
            if updated.get(old_key) == row and old_key != names[row].lower():
                del updated[old_key]
        key = names[row].lower()
        holder = updated.get(key)
        if holder is None or holder == row or quality[row] > quality[holder]:
            updated[key] = row
    return updated


@dataclass(frozen=True)
class Snapshot:
    """One consistent state of the engine: indexes per type and the model they belong to."""

    types: dict[str, TypeIndex] = field(default_factory=lambda: {name: TypeIndex.empty() for name in RESOURCE_TYPES})
    model: MusicModel | None = None
    model_version: str | None = None
    model_error: str | None = None
    dimension: int | None = None
    loaded: bool = False  # the database has been read successfully at least once
    last_refresh: datetime | None = None
    last_error: str | None = None

    @property
    def index_kind(self) -> Literal["exact", "approximate"]:
        kinds = {index.index.kind for index in self.types.values()}
        return "approximate" if "approximate" in kinds else "exact"


def _normalise(matrix: FloatArray) -> FloatArray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.asarray(matrix / norms, dtype=np.float32)


def decode(batches: Iterable[EmbeddingRows], dimension: int | None) -> Columns:
    """Turn database batches into columns; the vectors of a batch are decoded with one numpy.frombuffer."""
    ids: list[RowArray] = []
    matrices: list[FloatArray] = []
    spotify_ids: list[str] = []
    names: list[str] = []
    quality: list[npt.NDArray[np.float32]] = []
    versions: list[str] = []
    metadata: list[str | None] = []
    skipped: set[int] = set()
    newest: datetime | None = None
    for batch in batches:
        if batch.newest is not None and (newest is None or batch.newest > newest):
            newest = batch.newest
        if dimension is None and batch.vectors:
            dimension = len(batch.vectors[0]) // 4
        batch_ids = np.asarray(batch.ids, dtype=np.int64)
        keep = np.fromiter((len(vector) == 4 * (dimension or 0) for vector in batch.vectors), bool, len(batch_ids))
        skipped.update(batch_ids[~keep].tolist())
        picked = np.flatnonzero(keep).tolist()
        if not picked:
            continue
        vectors = np.frombuffer(b"".join(batch.vectors[i] for i in picked), dtype="<f4")
        matrices.append(vectors.reshape(len(picked), len(vectors) // len(picked)))
        ids.append(batch_ids[keep])
        spotify_ids.extend(batch.spotify_ids[i] for i in picked)
        names.extend(batch.names[i] for i in picked)
        quality.append(np.asarray([batch.quality[i] for i in picked], dtype=np.float32))
        versions.extend(sys.intern(batch.versions[i]) for i in picked)
        metadata.extend(_metadata_text(batch.metadata[i]) for i in picked)
    matrix = _normalise(np.concatenate(matrices)) if matrices else np.zeros((0, dimension or 0), dtype=np.float32)
    return Columns(
        np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64),
        matrix,
        spotify_ids,
        names,
        np.concatenate(quality) if quality else np.zeros(0, dtype=np.float32),
        versions,
        metadata,
        frozenset(skipped),
        newest,
        dimension,
    )


def _metadata_text(text: str | bytes | None) -> str | None:
    if not text or text in ("{}", b"{}"):
        return None
    return text.decode() if isinstance(text, bytes) else text
