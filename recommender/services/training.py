"""Train the embedding model on the catalog, store it as the active artifact, and re-embed everything."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Artist, Genre, Track, TrackAudioFeatures
from juke_ml.model import MusicModel, fit_model
from recommender.errors import TrainingRefused
from recommender.models import ModelArtifact
from recommender.selectors import model_artifact_get_active
from recommender.services.collaborative import collaborative_fit
from recommender.services.embedding_store import EmbeddingSyncResult, ProgressFactory, embeddings_write
from recommender.services.embeddings import AUDIO_FEATURE_FIELDS, WHOLE_CATALOG, embeddings_compute

logger = logging.getLogger(__name__)

MIN_TRAINING_TRACKS = 500
MIN_GENRES = 10
MAX_TOP_GENRE_SHARE = 0.5


@dataclass
class TrainingResult:
    artifact: ModelArtifact
    model: MusicModel
    metrics: dict
    embeddings: EmbeddingSyncResult
    warnings: list[str] = field(default_factory=list)


def _training_corpus() -> tuple[list[dict], dict[int, list[str]]]:
    features = {
        row.pop("track_id"): row for row in TrackAudioFeatures.objects.values("track_id", *AUDIO_FEATURE_FIELDS)
    }
    tracks = [
        {"audio_features": features.get(track_id), "popularity": popularity}
        for track_id, popularity in Track.objects.values_list("id", "popularity").iterator(chunk_size=5000)
    ]
    names = dict(Genre.objects.values_list("id", "name"))
    artist_genres: dict[int, list[str]] = defaultdict(list)
    for artist_id, genre_id in Artist.genres.through.objects.values_list("artist_id", "genre_id").iterator(
        chunk_size=5000
    ):
        artist_genres[artist_id].append(names[genre_id])
    return tracks, artist_genres


def _diversity_warnings(artist_genres: dict[int, list[str]]) -> list[str]:
    counts = Counter(genre.lower() for genres in artist_genres.values() for genre in genres)
    warnings = []
    if len(counts) < MIN_GENRES:
        warnings.append(
            f"Low genre diversity: only {len(counts)} distinct genres on artists (at least {MIN_GENRES} recommended); "
            "the genre part of the model will say little."
        )
    if counts:
        genre, top = counts.most_common(1)[0]
        share = top / max(len(artist_genres), 1)
        if share > MAX_TOP_GENRE_SHARE and len(artist_genres) >= 20:
            warnings.append(f"Low genre diversity: {share:.0%} of artists with genres are tagged {genre!r}.")
    return warnings


def _payload_digest(payload: dict) -> str:
    content = {key: value for key, value in payload.items() if key != "version"}
    return hashlib.sha1(json.dumps(content, sort_keys=True).encode("utf-8"), usedforsecurity=False).hexdigest()


def _content_model(dimension: int, track_count: int) -> tuple[MusicModel, dict, list[str]]:
    tracks, artist_genres = _training_corpus()
    warnings = _diversity_warnings(artist_genres)
    model, metrics = fit_model(tracks=tracks, artist_genres=artist_genres, dimension=dimension, version="pending")
    if metrics["tracks_with_audio_features"] < track_count / 2:
        warnings.append(
            f"Only {metrics['tracks_with_audio_features']} of {track_count} tracks have audio features; "
            "the others are embedded from their genres alone."
        )
    return model, metrics, warnings


def _activate(model: MusicModel, metrics: dict) -> tuple[ModelArtifact, MusicModel]:
    """Store the model as the active artifact, unless the active one is the same model."""
    payload = model.to_payload()
    digest = _payload_digest(payload)
    metrics["payload_digest"] = digest
    active = model_artifact_get_active()
    if active is not None and active.metrics.get("payload_digest") == digest:
        # Same corpus, same model: keep the active version so unchanged vectors are not rewritten.
        metrics["unchanged_model"] = True
        return active, MusicModel.from_payload(active.payload)
    payload["version"] = f"juke-{timezone.now():%Y%m%d-%H%M%S}-{digest[:8]}"
    model = MusicModel.from_payload(payload)
    with transaction.atomic():
        ModelArtifact.objects.filter(is_active=True).update(is_active=False)
        artifact = ModelArtifact.objects.create(
            version=model.version, dimension=model.dimension, payload=payload, metrics=metrics, is_active=True
        )
    return artifact, model


def model_retrain(*, dimension: int | None = None, progress: ProgressFactory | None = None) -> TrainingResult:
    """Fit a new model on the catalog, listens and likes, make it the active artifact and re-embed everything.

    The content model (audio, genres) is fit first; with enough listens and likes, collaborative factors are
    learned and become the deployed space (recommender.services.collaborative). Raises TrainingRefused under
    MIN_TRAINING_TRACKS tracks. Warnings (low genre diversity, few audio features) are returned and logged.
    """
    track_count = Track.objects.count()
    if track_count < MIN_TRAINING_TRACKS:
        raise TrainingRefused(
            f"The catalog has {track_count} tracks; training needs at least {MIN_TRAINING_TRACKS}. "
            "Import more with `python manage.py import_catalog <file.csv>`."
        )
    content_model, metrics, warnings = _content_model(dimension or settings.RECOMMENDER_VECTOR_DIM, track_count)
    content = embeddings_compute(model=content_model, scope=WHOLE_CATALOG, progress=progress)
    fitted = collaborative_fit(content=content, content_dimension=content_model.dimension)
    metrics["collaborative"] = fitted.metrics
    metrics["warnings"] = warnings
    payload = {**content_model.to_payload(), "collaborative": fitted.space.to_payload() if fitted.space else None}
    artifact, model = _activate(MusicModel.from_payload(payload), metrics)
    fitted.store_factors(model_version=model.version)
    embeddings = embeddings_write(model=model, computed=content, progress=progress)
    artifact.metrics = {
        **metrics,
        "embeddings_changed": embeddings.changed,
        "embeddings_relabelled": sum(embeddings.relabelled.values()),
        "embeddings_total": embeddings.total,
    }
    artifact.save(update_fields=["metrics"])
    for warning in warnings:
        logger.warning(warning)
    return TrainingResult(
        artifact=artifact, model=model, metrics=artifact.metrics, embeddings=embeddings, warnings=warnings
    )
