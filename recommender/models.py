"""Embeddings of catalog items and trained model artifacts.

The recommender engine (a separate process) reads these tables directly: keep the column names stable.
Vectors are stored as raw little-endian float32 bytes (`numpy.frombuffer(vector, "<f4")`), L2-normalised.
"""

from django.db import models

from catalog.models import Album, Artist, Track


class ModelArtifact(models.Model):
    """A trained embedding model; the active one is used by the engine and the embedding tasks."""

    version = models.CharField(max_length=64, unique=True)
    dimension = models.PositiveSmallIntegerField()
    payload = models.JSONField(help_text="Everything needed to embed an item: scalers, genre vectors, weights.")
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_model")
        ]

    def __str__(self) -> str:
        return self.version


class Embedding(models.Model):
    vector = models.BinaryField()
    model_version = models.CharField(max_length=64, db_index=True)
    quality_score = models.FloatField(default=1.0)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} ({self.model_version})"


class ArtistEmbedding(Embedding):
    artist = models.OneToOneField(Artist, on_delete=models.CASCADE, related_name="embedding")


class AlbumEmbedding(Embedding):
    album = models.OneToOneField(Album, on_delete=models.CASCADE, related_name="embedding")


class TrackEmbedding(Embedding):
    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="embedding")


class ItemFactor(models.Model):
    """An item's own collaborative factor from the last `retrain` (juke_ml.collaborative, raw float32 bytes).

    Kept so that re-embedding an item after a content change blends its factor in again instead of losing it
    until the next training. `support` is how many users played or liked it.
    """

    resource_type = models.CharField(max_length=8)
    item_id = models.BigIntegerField()
    factor = models.BinaryField()
    support = models.PositiveIntegerField()
    model_version = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource_type", "item_id"], name="one_factor_per_item")]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.item_id} ({self.model_version})"
