"""Read queries for the catalog API, tasks and commands (relations loaded here: no N+1 in callers)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from catalog.dialects import dialect_for
from catalog.models import Album, Artist, CatalogItem, Genre, Track, TrackAudioFeatures


def _id_or_spotify_id(value: str) -> Q:
    value = value.strip()
    # isascii(): "²".isdigit() is True, but int("²") fails.
    return Q(pk=int(value)) if value.isascii() and value.isdigit() else Q(spotify_id=value)


def _named(queryset: QuerySet, search: str | None) -> QuerySet:
    # A case-insensitive substring match; on PostgreSQL a trigram index serves it (tracks: their search table).
    search = (search or "").strip()
    return dialect_for(queryset.db).name_search(queryset, search) if search else queryset


def genre_list(*, search: str | None = None) -> QuerySet[Genre]:
    """Genres by id, optionally by name."""
    return _named(Genre.objects.all(), search).order_by("id")


def artist_list(*, search: str | None = None, genre: str | None = None) -> QuerySet[Artist]:
    """Artists by id with their genres; `genre` is a genre id or spotify_id."""
    queryset = _named(Artist.objects.all(), search)
    if genre:
        genre_filter = _id_or_spotify_id(genre)
        queryset = queryset.filter(pk__in=Genre.objects.filter(genre_filter).values("artists"))
    return queryset.prefetch_related(Prefetch("genres", queryset=Genre.objects.order_by("id"))).order_by("id")


def album_list(*, search: str | None = None, artist: str | None = None, genre: str | None = None) -> QuerySet[Album]:
    """Albums by id with their artists; filter by artist or genre (ids or spotify_ids)."""
    queryset = _named(Album.objects.all(), search)
    if artist:
        queryset = queryset.filter(pk__in=Artist.objects.filter(_id_or_spotify_id(artist)).values("albums"))
    if genre:
        queryset = queryset.filter(
            pk__in=Album.artists.through.objects.filter(
                artist__genres__in=Genre.objects.filter(_id_or_spotify_id(genre))
            ).values("album_id")
        )
    return queryset.prefetch_related(Prefetch("artists", queryset=Artist.objects.order_by("id"))).order_by("id")


def track_list(
    *, search: str | None = None, artist: str | None = None, album: str | None = None, genre: str | None = None
) -> QuerySet[Track]:
    """Tracks by id with album and artists; filter by artist, album or genre (ids or spotify_ids)."""
    queryset = _named(Track.objects.all(), search)
    if album:
        queryset = queryset.filter(album__in=Album.objects.filter(_id_or_spotify_id(album)))
    if artist:
        queryset = queryset.filter(pk__in=Artist.objects.filter(_id_or_spotify_id(artist)).values("tracks"))
    if genre:
        queryset = queryset.filter(
            pk__in=Track.artists.through.objects.filter(
                artist__genres__in=Genre.objects.filter(_id_or_spotify_id(genre))
            ).values("track_id")
        )
    # The album's artists are read only for tracks without artists of their own: TrackListSerializer loads them.
    return (
        queryset.select_related("album")
        .prefetch_related(Prefetch("artists", queryset=Artist.objects.order_by("id")))
        .order_by("id")
    )


LIST_SELECTORS: dict[type[CatalogItem], Callable[[], QuerySet]] = {
    Genre: genre_list,
    Artist: artist_list,
    Album: album_list,
    Track: track_list,
}


def items_by_spotify_ids(*, model: type[CatalogItem], spotify_ids: list[str]) -> list:
    """Catalog items in the order of `spotify_ids`, relations loaded like the lists."""
    items = {item.spotify_id: item for item in LIST_SELECTORS[model]().filter(spotify_id__in=spotify_ids)}
    return [items[spotify_id] for spotify_id in spotify_ids if spotify_id in items]


def catalog_tables_missing() -> list[str]:
    """The catalog tables the database lacks (all of them before `migrate`), sorted."""
    tables = {model._meta.db_table for model in (Genre, Artist, Album, Track, TrackAudioFeatures)}
    return sorted(tables - set(connection.introspection.table_names()))


def tracks_album_artists_load(*, tracks: list[Track]) -> None:
    """Load the album artists of the tracks that have no artists of their own (one query, none if all have)."""
    orphans = [track for track in tracks if track.album_id and not track.artists.all()]
    if orphans:
        prefetch_related_objects(orphans, Prefetch("album__artists", queryset=Artist.objects.order_by("id")))
