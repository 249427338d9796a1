from django.contrib import admin

from listening.models import ArtistPlayCount, Like, Listen, SpotifyHistorySync
from listening.services.changes import listens_changed


@admin.register(Listen)
class ListenAdmin(admin.ModelAdmin):
    list_display = ("user", "listened_at", "artist_name", "track_name", "source", "track")
    list_filter = ("source",)
    search_fields = ("user__username", "artist_name", "track_name")
    raw_id_fields = ("user", "track")
    date_hierarchy = "listened_at"
    show_full_result_count = False  # counting 100M rows on every page is not worth it
    readonly_fields = ("fingerprint", "created_at")

    # Edits here bypass the services: tell them the listens changed, as the services do.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        listens_changed(user_id=obj.user_id)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        listens_changed(user_id=obj.user_id)

    def delete_queryset(self, request, queryset) -> None:
        user_ids = sorted(set(queryset.values_list("user_id", flat=True)))
        super().delete_queryset(request, queryset)
        for user_id in user_ids:
            listens_changed(user_id=user_id)


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ("user", "track", "album", "artist", "source", "created_at")
    list_filter = ("source",)
    raw_id_fields = ("user", "track", "album", "artist")


@admin.register(SpotifyHistorySync)
class SpotifyHistorySyncAdmin(admin.ModelAdmin):
    list_display = ("user", "last_synced_at", "initial_import_at", "last_error", "retry_not_before")
    raw_id_fields = ("user",)


@admin.register(ArtistPlayCount)
class ArtistPlayCountAdmin(admin.ModelAdmin):
    list_display = ("user", "artist_name", "plays", "artist")
    search_fields = ("user__username", "artist_name")
    raw_id_fields = ("user", "artist")
