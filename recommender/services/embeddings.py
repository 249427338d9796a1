"""Compute catalog embeddings with the active model and store them in bulk.

Tracks are embedded from their audio features, their artists' genres and their popularity; albums from the
duration-weighted mean of their tracks; artists from the mean of their albums plus their genres (see
juke_ml.model). The engine reads the stored rows (and notices changes through `modified_at`).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures
from juke_ml.model import MusicModel
from recommender.models import AlbumEmbedding, ArtistEmbedding, TrackEmbedding
from recommender.selectors import model_artifact_active_version, model_artifact_get_active

logger = logging.getLogger(__name__)

AUDIO_FEATURE_FIELDS = TrackAudioFeatures.FEATURES
WRITE_BATCH_SIZE = 1000
READ_CHUNK_SIZE = 900  # below SQLite's default limit of variables in one query

# (iterable, total, description) -> iterable; the retrain command passes a tqdm progress bar.
ProgressFactory = Callable[[Iterable, int, str], Iterable]

_model_cache_lock = threading.Lock()
_model_cache: dict[str, MusicModel] = {}


def _no_progress(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


def model_get_active() -> MusicModel | None:
    """The active model, rebuilt from its artifact once per version (cached in this process)."""
    version = model_artifact_active_version()
    if version is None:
        return None
    with _model_cache_lock:
        cached = _model_cache.get(version)
    if cached is not None:
        return cached
    artifact = model_artifact_get_active()
    if artifact is None:
        return None
    model = MusicModel.from_payload(artifact.payload)
    with _model_cache_lock:
        _model_cache.clear()
        _model_cache[artifact.version] = model
    return model


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


@dataclass
class _Computed:
    vector: np.ndarray
    quality: float
    metadata: dict


def _chunks(ids: list[int], size: int = READ_CHUNK_SIZE) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _filter_in(queryset, field_name: str, ids: list[int] | None) -> Iterable[dict]:
    """`queryset.filter(field__in=ids)` in chunks (all rows when ids is None)."""
    if ids is None:
        yield from queryset.iterator(chunk_size=5000)
        return
    for chunk in _chunks(sorted(ids)):
        yield from queryset.filter(**{f"{field_name}__in": chunk})


@dataclass
class _Scope:
    """Which items a sync computes (`None` = the whole catalog)."""

    track_ids: set[int] | None
    album_ids: set[int] | None
    artist_ids: set[int] | None


def _expand_scope(*, track_ids: Iterable[int], album_ids: Iterable[int], artist_ids: Iterable[int]) -> _Scope:
    """Everything whose embedding depends on the given items, and everything needed to compute those."""
    tracks = set(track_ids)
    albums = set(album_ids)
    artists = set(artist_ids)
    # A changed track changes its album and its artists; a changed album changes its artists.
    albums |= {album for album in Track.objects.filter(id__in=tracks).values_list("album_id", flat=True) if album}
    artists |= set(Track.artists.through.objects.filter(track_id__in=tracks).values_list("artist_id", flat=True))
    artists |= set(Album.artists.through.objects.filter(album_id__in=albums).values_list("artist_id", flat=True))
    # To embed an artist we need all its albums (and, without albums, its tracks); to embed an album, its tracks.
    albums |= set(Album.artists.through.objects.filter(artist_id__in=artists).values_list("album_id", flat=True))
    tracks |= set(Track.objects.filter(album_id__in=albums).values_list("id", flat=True))
    tracks |= set(Track.artists.through.objects.filter(artist_id__in=artists).values_list("track_id", flat=True))
    return _Scope(track_ids=tracks, album_ids=albums, artist_ids=artists)


def _artist_genres(artist_ids: set[int] | None) -> dict[int, list[str]]:
    names = dict(Genre.objects.values_list("id", "name"))
    genres: dict[int, list[str]] = defaultdict(list)
    rows = Artist.genres.through.objects.values("artist_id", "genre_id")
    for row in _filter_in(rows, "artist_id", None if artist_ids is None else list(artist_ids)):
        genres[row["artist_id"]].append(names[row["genre_id"]])
    return genres


def _compute(model: MusicModel, scope: _Scope, progress: ProgressFactory) -> dict[str, dict[int, _Computed]]:
    track_ids = None if scope.track_ids is None else list(scope.track_ids)
    album_ids = None if scope.album_ids is None else list(scope.album_ids)
    artist_ids = None if scope.artist_ids is None else list(scope.artist_ids)

    tracks = {
        row["id"]: row
        for row in _filter_in(
            Track.objects.values("id", "name", "album_id", "duration_ms", "popularity"), "id", track_ids
        )
    }
    features = {
        row["track_id"]: row
        for row in _filter_in(
            TrackAudioFeatures.objects.values("track_id", *AUDIO_FEATURE_FIELDS), "track_id", track_ids
        )
    }
    track_artists: dict[int, list[int]] = defaultdict(list)
    for row in _filter_in(Track.artists.through.objects.values("track_id", "artist_id"), "track_id", track_ids):
        track_artists[row["track_id"]].append(row["artist_id"])
    genre_artist_ids = (
        None if artist_ids is None else set(artist_ids) | {a for ids in track_artists.values() for a in ids}
    )
    if genre_artist_ids is not None:
        album_artist_rows = list(
            _filter_in(Album.artists.through.objects.values("album_id", "artist_id"), "album_id", album_ids)
        )
        genre_artist_ids |= {row["artist_id"] for row in album_artist_rows}
    artist_genres = _artist_genres(genre_artist_ids)

    computed: dict[str, dict[int, _Computed]] = {"track": {}, "album": {}, "artist": {}}
    for track_id, track in progress(tracks.items(), len(tracks), "Embedding tracks"):
        genres = sorted(
            {genre for artist in track_artists.get(track_id, ()) for genre in artist_genres.get(artist, ())}
        )
        audio = features.get(track_id)
        vector, quality = model.embed(
            "track",
            {"audio_features": audio, "genres": genres, "popularity": track["popularity"], "name": track["name"]},
        )
        computed["track"][track_id] = _Computed(
            vector, quality, {"audio_features": audio is not None, "genres": sorted(model.known_genres(genres))}
        )

    albums = {row["id"]: row for row in _filter_in(Album.objects.values("id", "name"), "id", album_ids)}
    album_tracks: dict[int, list[int]] = defaultdict(list)
    for track_id, track in tracks.items():
        if track["album_id"] in albums:
            album_tracks[track["album_id"]].append(track_id)
    album_artists: dict[int, list[int]] = defaultdict(list)
    for row in _filter_in(Album.artists.through.objects.values("album_id", "artist_id"), "album_id", album_ids):
        album_artists[row["album_id"]].append(row["artist_id"])
    for album_id, album in progress(albums.items(), len(albums), "Embedding albums"):
        members = [computed["track"][track_id] for track_id in album_tracks.get(album_id, ())]
        genres = sorted(
            {genre for artist in album_artists.get(album_id, ()) for genre in artist_genres.get(artist, ())}
        )
        vector, quality = model.embed(
            "album",
            {
                "track_vectors": [member.vector for member in members],
                "track_durations_ms": [tracks[t]["duration_ms"] for t in album_tracks.get(album_id, ())],
                "track_qualities": [member.quality for member in members],
                "genres": genres,
                "name": album["name"],
            },
        )
        computed["album"][album_id] = _Computed(vector, quality, {"tracks": len(members)})

    artists = {
        row["id"]: row for row in _filter_in(Artist.objects.values("id", "name", "popularity"), "id", artist_ids)
    }
    artist_albums: dict[int, list[int]] = defaultdict(list)
    for album_id, artist_list in album_artists.items():
        for artist in artist_list:
            artist_albums[artist].append(album_id)
    artist_tracks: dict[int, list[int]] = defaultdict(list)
    for track_id, artist_list in track_artists.items():
        for artist in artist_list:
            artist_tracks[artist].append(track_id)
    for artist_id, artist in progress(artists.items(), len(artists), "Embedding artists"):
        album_members = [computed["album"][a] for a in artist_albums.get(artist_id, ()) if a in computed["album"]]
        track_members = [computed["track"][t] for t in artist_tracks.get(artist_id, ()) if t in computed["track"]]
        genres = artist_genres.get(artist_id, [])
        vector, quality = model.embed(
            "artist",
            {
                "album_vectors": [member.vector for member in album_members],
                "album_qualities": [member.quality for member in album_members],
                "track_vectors": [member.vector for member in track_members],
                "track_qualities": [member.quality for member in track_members],
                "genres": genres,
                "popularity": artist["popularity"],
                "name": artist["name"],
            },
        )
        computed["artist"][artist_id] = _Computed(
            vector, quality, {"albums": len(album_members), "genres": sorted(model.known_genres(genres))}
        )
    return computed


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


def _store(
    *,
    model: MusicModel,
    resource_type: str,
    computed: dict[int, _Computed],
    result: EmbeddingSyncResult,
    progress: ProgressFactory,
) -> None:
    embedding_model = _EMBEDDING_MODELS[resource_type]
    key = f"{resource_type}_id"
    now = timezone.now()
    item_ids = list(computed)
    existing: dict[int, tuple[int, bytes, str]] = {}
    for row in _filter_in(embedding_model.objects.values("id", key, "vector", "model_version"), key, item_ids):
        existing[row[key]] = (row["id"], bytes(row["vector"]), row["model_version"])
    to_create: list = []
    to_update: list = []
    for item_id in item_ids:
        item = computed[item_id]
        vector_bytes = np.asarray(item.vector, dtype="<f4").tobytes()
        quality = round(float(item.quality), 4)
        metadata = {**item.metadata, "resource_type": resource_type}
        previous = existing.get(item_id)
        if previous is None:
            to_create.append(
                embedding_model(
                    **{key: item_id},
                    vector=vector_bytes,
                    model_version=model.version,
                    quality_score=quality,
                    metadata=metadata,
                )
            )
        elif previous[1] != vector_bytes or previous[2] != model.version:
            if previous[1] == vector_bytes:
                result.relabelled[resource_type] += 1
            to_update.append(
                embedding_model(
                    id=previous[0],
                    vector=vector_bytes,
                    model_version=model.version,
                    quality_score=quality,
                    metadata=metadata,
                    modified_at=now,  # bulk_update skips auto_now; the engine polls this column
                )
            )
        else:
            result.unchanged[resource_type] += 1
    batches = [
        (True, to_create[start : start + WRITE_BATCH_SIZE]) for start in range(0, len(to_create), WRITE_BATCH_SIZE)
    ]
    batches += [
        (False, to_update[start : start + WRITE_BATCH_SIZE]) for start in range(0, len(to_update), WRITE_BATCH_SIZE)
    ]
    for creating, batch in progress(batches, len(batches), f"Writing {resource_type} embeddings"):
        if creating:
            # ignore_conflicts: a concurrent task may have created the same row; the next sync fixes its vector.
            embedding_model.objects.bulk_create(batch, ignore_conflicts=True)
        else:
            _update_rows(embedding_model, batch)
    result.created[resource_type] += len(to_create)
    result.updated[resource_type] += len(to_update)


def embeddings_sync(
    *,
    model: MusicModel | None = None,
    track_ids: Iterable[int] = (),
    album_ids: Iterable[int] = (),
    artist_ids: Iterable[int] = (),
    whole_catalog: bool = False,
    progress: ProgressFactory | None = None,
) -> EmbeddingSyncResult:
    """(Re)compute and store embeddings for the given items and everything that aggregates them.

    A changed track also re-embeds its album and artists. Unchanged vectors are not rewritten. Without an
    active model (before the first `retrain`) it does nothing.
    """
    model = model or model_get_active()
    result = EmbeddingSyncResult()
    if model is None:
        logger.info("No active recommender model: embeddings not computed.")
        return result
    progress = progress or _no_progress
    if whole_catalog:
        scope = _Scope(track_ids=None, album_ids=None, artist_ids=None)
    else:
        scope = _expand_scope(track_ids=track_ids, album_ids=album_ids, artist_ids=artist_ids)
        if not (scope.track_ids or scope.album_ids or scope.artist_ids):
            return result
    computed = _compute(model, scope, progress)
    with transaction.atomic():
        for resource_type in ("track", "album", "artist"):
            _store(
                model=model,
                resource_type=resource_type,
                computed=computed[resource_type],
                result=result,
                progress=progress,
            )
    return result


def embeddings_sync_stale(*, limit: int = 5000) -> EmbeddingSyncResult:
    """Re-embed catalog items that changed since they were embedded, have no embedding, or an old model's one.

    Audio features count as part of their track. At most `limit` items per type per call.
    """
    version = model_artifact_active_version()
    if version is None:
        return EmbeddingSyncResult()
    stale_tracks = set(
        Track.objects.filter(
            Q(embedding__isnull=True)
            | ~Q(embedding__model_version=version)
            | Q(modified_at__gt=F("embedding__modified_at"))
            | Q(audio_features__modified_at__gt=F("embedding__modified_at"))
        ).values_list("id", flat=True)[:limit]
    )
    stale_albums = set(
        Album.objects.filter(
            Q(embedding__isnull=True)
            | ~Q(embedding__model_version=version)
            | Q(modified_at__gt=F("embedding__modified_at"))
        ).values_list("id", flat=True)[:limit]
    )
    stale_artists = set(
        Artist.objects.filter(
            Q(embedding__isnull=True)
            | ~Q(embedding__model_version=version)
            | Q(modified_at__gt=F("embedding__modified_at"))
        ).values_list("id", flat=True)[:limit]
    )
    return embeddings_sync(track_ids=stale_tracks, album_ids=stale_albums, artist_ids=stale_artists)
