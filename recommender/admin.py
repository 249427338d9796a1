import numpy as np
from django.contrib import admin

from recommender.models import AlbumEmbedding, ArtistEmbedding, ModelArtifact, TrackEmbedding


@admin.register(ModelArtifact)
class ModelArtifactAdmin(admin.ModelAdmin):
    list_display = ["version", "dimension", "is_active", "created_at"]
    list_filter = ["is_active", "dimension"]
    search_fields = ["version"]
    readonly_fields = ["version", "dimension", "payload", "metrics", "created_at"]


class EmbeddingAdmin(admin.ModelAdmin):
    item_field = ""
    list_display = ["item_name", "model_version", "quality_score", "modified_at"]
    list_filter = ["model_version", "modified_at"]
    readonly_fields = ["vector_preview", "model_version", "quality_score", "metadata", "created_at", "modified_at"]
    exclude = ["vector"]

    def get_search_fields(self, request):
        return [f"{self.item_field}__name", f"{self.item_field}__spotify_id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.item_field)

    @admin.display(description="item")
    def item_name(self, obj) -> str:
        return str(getattr(obj, self.item_field))

    @admin.display(description="vector")
    def vector_preview(self, obj) -> str:
        vector = np.frombuffer(bytes(obj.vector), dtype="<f4")
        return ", ".join(f"{value:.3f}" for value in vector)


@admin.register(TrackEmbedding)
class TrackEmbeddingAdmin(EmbeddingAdmin):
    item_field = "track"
    raw_id_fields = ["track"]


@admin.register(AlbumEmbedding)
class AlbumEmbeddingAdmin(EmbeddingAdmin):
    item_field = "album"
    raw_id_fields = ["album"]


@admin.register(ArtistEmbedding)
class ArtistEmbeddingAdmin(EmbeddingAdmin):
    item_field = "artist"
    raw_id_fields = ["artist"]
