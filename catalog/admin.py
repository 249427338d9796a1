"""Admin for the catalog: searchable by name and Spotify id, filterable, relations as raw ids (large tables)."""

from django.contrib import admin

from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures


class CatalogItemAdmin(admin.ModelAdmin):
    search_fields = ["name", "spotify_id"]
    readonly_fields = ["created_at", "modified_at"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a million rows on every page


@admin.register(Genre)
class GenreAdmin(CatalogItemAdmin):
    list_display = ["name", "spotify_id", "modified_at"]


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
