"""Compute catalog embeddings with the active model and store them in bulk.

Tracks are embedded from their audio features, their artists' genres and their popularity; albums from the
duration-weighted mean of their tracks; artists from the mean of their albums plus their genres (see
juke_ml.model). The engine reads the stored rows (and notices changes through `modified_at`).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q

from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures
from juke_ml.model import MusicModel
from recommender.selectors import model_artifact_active_version, model_artifact_get, model_artifact_get_active
from recommender.services.embedding_store import Computed as _Computed
from recommender.services.embedding_store import EmbeddingSyncResult, ProgressFactory, embeddings_write

logger = logging.getLogger(__name__)

AUDIO_FEATURE_FIELDS = TrackAudioFeatures.FEATURES
WRITE_BATCH_SIZE = 1000
READ_CHUNK_SIZE = 900  # below SQLite's default limit of variables in one query


_model_cache_lock = threading.Lock()
_model_cache: dict[str, MusicModel] = {}


def _no_progress(iterable: Iterable, total: int, description: str) -> Iterable:
    return iterable


def model_get_active() -> MusicModel | None:
    """The active model, rebuilt from its artifact once per version (cached in this process)."""
    return model_get_for_version(model_artifact_active_version())


def model_get_for_version(version: str | None) -> MusicModel | None:
    """The model of this version, just read as the active one (no query once cached in this process)."""
    if version is None:
        return None
    with _model_cache_lock:
        cached = _model_cache.get(version)
    if cached is not None:
        return cached
    artifact = model_artifact_get(version=version) or model_artifact_get_active()
    if artifact is None:
        return None
    model = MusicModel.from_payload(artifact.payload)
    with _model_cache_lock:
        _model_cache.clear()
        _model_cache[artifact.version] = model
    return model


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


WHOLE_CATALOG = _Scope(track_ids=None, album_ids=None, artist_ids=None)


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


@dataclass
class _ScopeData:
    """The rows a sync reads: tracks, their features and artists, albums, artists and genres."""

    tracks: dict[int, dict]
    features: dict[int, dict]
    track_artists: dict[int, list[int]]
    album_artists: dict[int, list[int]]
    artist_genres: dict[int, list[str]]


def _as_list(ids: set[int] | None) -> list[int] | None:
    return None if ids is None else list(ids)


def _scope_data(scope: _Scope) -> _ScopeData:
    track_ids = _as_list(scope.track_ids)
    album_ids = _as_list(scope.album_ids)
    tracks_query = Track.objects.values("id", "name", "album_id", "duration_ms", "popularity")
    tracks = {row["id"]: row for row in _filter_in(tracks_query, "id", track_ids)}
    features_query = TrackAudioFeatures.objects.values("track_id", *AUDIO_FEATURE_FIELDS)
    features = {row["track_id"]: row for row in _filter_in(features_query, "track_id", track_ids)}
    track_artists: dict[int, list[int]] = defaultdict(list)
    for row in _filter_in(Track.artists.through.objects.values("track_id", "artist_id"), "track_id", track_ids):
        track_artists[row["track_id"]].append(row["artist_id"])
    album_artists: dict[int, list[int]] = defaultdict(list)
    for row in _filter_in(Album.artists.through.objects.values("album_id", "artist_id"), "album_id", album_ids):
        album_artists[row["album_id"]].append(row["artist_id"])
    genre_artist_ids = None
    if scope.artist_ids is not None:
        genre_artist_ids = set(scope.artist_ids) | {a for ids in track_artists.values() for a in ids}
        genre_artist_ids |= {a for ids in album_artists.values() for a in ids}
    return _ScopeData(tracks, features, track_artists, album_artists, _artist_genres(genre_artist_ids))


def _genres_of(artist_ids: Iterable[int], artist_genres: dict[int, list[str]]) -> list[str]:
    return sorted({genre for artist in artist_ids for genre in artist_genres.get(artist, ())})


def _compute_tracks(model: MusicModel, data: _ScopeData, progress: ProgressFactory) -> dict[int, _Computed]:
    computed = {}
    for track_id, track in progress(data.tracks.items(), len(data.tracks), "Embedding tracks"):
        genres = _genres_of(data.track_artists.get(track_id, ()), data.artist_genres)
        audio = data.features.get(track_id)
        attributes = {"audio_features": audio, "genres": genres, "popularity": track["popularity"]}
        vector, quality = model.embed_content("track", {**attributes, "name": track["name"]})
        metadata = {"audio_features": audio is not None, "genres": sorted(model.known_genres(genres))}
        parents: tuple[tuple[str, Any], ...] = (("album", track["album_id"]),) if track["album_id"] else ()
        parents += tuple(("artist", artist) for artist in data.track_artists.get(track_id, ()))
        computed[track_id] = _Computed(vector, quality, metadata, parents)
    return computed


def _compute_albums(
    model: MusicModel, scope: _Scope, data: _ScopeData, tracks: dict[int, _Computed], progress: ProgressFactory
) -> dict[int, _Computed]:
    albums = {row["id"]: row for row in _filter_in(Album.objects.values("id", "name"), "id", _as_list(scope.album_ids))}
    album_tracks: dict[int, list[int]] = defaultdict(list)
    for track_id, track in data.tracks.items():
        if track["album_id"] in albums:
            album_tracks[track["album_id"]].append(track_id)
    computed = {}
    for album_id, album in progress(albums.items(), len(albums), "Embedding albums"):
        members = album_tracks.get(album_id, [])
        attributes = {
            "track_vectors": [tracks[track_id].vector for track_id in members],
            "track_durations_ms": [data.tracks[track_id]["duration_ms"] for track_id in members],
            "track_qualities": [tracks[track_id].quality for track_id in members],
            "genres": _genres_of(data.album_artists.get(album_id, ()), data.artist_genres),
            "name": album["name"],
        }
        vector, quality = model.embed_content("album", attributes)
        computed[album_id] = _Computed(vector, quality, {"tracks": len(members)})
    return computed


def _members_by_artist(links: dict[int, list[int]]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for member, artists in links.items():
        for artist in artists:
            members[artist].append(member)
    return members


def _compute_artists(
    model: MusicModel,
    scope: _Scope,
    data: _ScopeData,
    computed: dict[str, dict[int, _Computed]],
    progress: ProgressFactory,
) -> dict[int, _Computed]:
    query = Artist.objects.values("id", "name", "popularity")
    artists = {row["id"]: row for row in _filter_in(query, "id", _as_list(scope.artist_ids))}
    artist_albums = _members_by_artist(data.album_artists)
    artist_tracks = _members_by_artist(data.track_artists)
    result = {}
    for artist_id, artist in progress(artists.items(), len(artists), "Embedding artists"):
        albums = [computed["album"][a] for a in artist_albums.get(artist_id, ()) if a in computed["album"]]
        tracks = [computed["track"][t] for t in artist_tracks.get(artist_id, ()) if t in computed["track"]]
        genres = data.artist_genres.get(artist_id, [])
        attributes = {
            "album_vectors": [member.vector for member in albums],
            "album_qualities": [member.quality for member in albums],
            "track_vectors": [member.vector for member in tracks],
            "track_qualities": [member.quality for member in tracks],
            "genres": genres,
            "popularity": artist["popularity"],
            "name": artist["name"],
        }
        vector, quality = model.embed_content("artist", attributes)
        metadata = {"albums": len(albums), "genres": sorted(model.known_genres(genres))}
        result[artist_id] = _Computed(vector, quality, metadata)
    return result


def embeddings_compute(
    *, model: MusicModel, scope: _Scope, progress: ProgressFactory | None = None
) -> dict[str, dict[int, _Computed]]:
    """Content-space vectors (juke_ml.model) of the items in scope, per resource type; nothing is written."""
    progress = progress or _no_progress
    data = _scope_data(scope)
    computed: dict[str, dict[int, _Computed]] = {"track": _compute_tracks(model, data, progress)}
    computed["album"] = _compute_albums(model, scope, data, computed["track"], progress)
    computed["artist"] = _compute_artists(model, scope, data, computed, progress)
    return computed


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
        scope = WHOLE_CATALOG
    else:
        scope = _expand_scope(track_ids=track_ids, album_ids=album_ids, artist_ids=artist_ids)
        if not (scope.track_ids or scope.album_ids or scope.artist_ids):
            return result
    computed = embeddings_compute(model=model, scope=scope, progress=progress)
    return embeddings_write(model=model, computed=computed, progress=progress)


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
