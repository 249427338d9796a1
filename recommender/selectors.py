"""Read queries of the recommender: the active model and stored embeddings."""

from __future__ import annotations

from django.db.models import QuerySet

from recommender.models import AlbumEmbedding, ArtistEmbedding, ModelArtifact, TrackEmbedding

EMBEDDING_MODELS = {"artist": ArtistEmbedding, "album": AlbumEmbedding, "track": TrackEmbedding}


def model_artifact_get_active() -> ModelArtifact | None:
    """The active trained model, or None before the first `retrain`."""
    return ModelArtifact.objects.filter(is_active=True).first()


def model_artifact_active_version() -> str | None:
    """The active model's version (one small query), or None."""
    return ModelArtifact.objects.filter(is_active=True).values_list("version", flat=True).first()


def embedding_vectors_get(*, resource_type: str, item_ids: list[int]) -> dict[int, bytes]:
    """Stored vectors (raw float32 bytes) of the given catalog items of one type, keyed by item id."""
    model = EMBEDDING_MODELS[resource_type]
    key = f"{resource_type}_id"
    return {
        row[key]: bytes(row["vector"])
        for row in model._default_manager.filter(**{f"{key}__in": item_ids}).values(key, "vector")
    }


def embedding_list(*, resource_type: str) -> QuerySet:
    """Every stored embedding of one type, with its catalog item."""
    return EMBEDDING_MODELS[resource_type]._default_manager.select_related(resource_type)
