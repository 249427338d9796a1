"""Admin for the catalog: searchable by name and Spotify id, filterable, relations as raw ids (large tables)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures
from catalog.services.tasks import genre_sync_enqueue


class CatalogItemAdmin(admin.ModelAdmin):
    search_fields = ["name", "spotify_id"]
    readonly_fields = ["created_at", "modified_at"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a million rows on every page


@admin.register(Genre)
class GenreAdmin(CatalogItemAdmin):
    """The genre list has a "Refresh genres" button: it queues the Spotify genre sync."""

    list_display = ["name", "spotify_id", "modified_at"]

    def get_urls(self):
        refresh = path("refresh/", self.admin_site.admin_view(self.refresh_view), name="catalog_genre_refresh")
        return [refresh, *super().get_urls()]

    def refresh_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        task_id = genre_sync_enqueue()
        self.message_user(
            request,
            f"Genre refresh queued: task {task_id} (GET /api/v1/tasks/{task_id}/ shows when it is done).",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:catalog_genre_changelist"))


@admin.register(Artist)
class ArtistAdmin(CatalogItemAdmin):
    list_display = ["name", "spotify_id", "popularity", "followers", "modified_at"]
    list_filter = ["genres"]
    raw_id_fields = ["genres"]


@admin.register(Album)
class AlbumAdmin(CatalogItemAdmin):
    list_display = ["name", "spotify_id", "album_type", "release_date", "total_tracks", "modified_at"]
    list_filter = ["album_type", "release_date_precision"]
    raw_id_fields = ["artists"]
    date_hierarchy = "release_date"


@admin.register(Track)
class TrackAdmin(CatalogItemAdmin):
    list_display = ["name", "spotify_id", "album", "duration_ms", "explicit", "popularity", "modified_at"]
    list_filter = ["explicit"]
    list_select_related = ["album"]
    raw_id_fields = ["album", "artists"]


@admin.register(TrackAudioFeatures)
class TrackAudioFeaturesAdmin(admin.ModelAdmin):
    list_display = ["track", "danceability", "energy", "valence", "tempo", "modified_at"]
    list_filter = ["mode", "key", "time_signature"]
    search_fields = ["track__name", "track__spotify_id"]
    raw_id_fields = ["track"]
