"""Store what Spotify tells us: bulk upserts by spotify_id, one round trip per model and batch.

Every write is idempotent (keyed on spotify_id), so re-running an ingest changes nothing and an
interrupted one resumes. Relations are only ever added (an artist keeps genres it had).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models, transaction
from django.utils import timezone

from catalog.dialects import BATCH_SIZE, dialect_for
from catalog.models import Album, Artist, CatalogItem, Genre, Track
from catalog.services.dates import InvalidReleaseDate, release_date_parse
from core.db import column_of, concrete_field
from integrations.spotify.catalog_payloads import SpotifyAlbum, SpotifyArtist, SpotifyArtistRef, SpotifyTrack

ALBUM_TYPES = {choice.lower(): choice for choice in Album.AlbumType.values}


def genre_spotify_id(name: str) -> str:
    """Our spotify_id for a Spotify genre name (Spotify genres have no id of their own)."""
    return f"genre-{name.strip().lower()}"[:64]


def bulk_upsert(*, model: type[CatalogItem], rows: Sequence[CatalogItem], update_fields: list[str]) -> dict[str, int]:
    """Insert or update model instances by spotify_id; returns {spotify_id: pk} for all of them."""
    if not rows:
        return {}
    now = timezone.now()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    for row in rows:
        row.created_at = row.modified_at = now  # created_at is not among the updated columns: a new row's only
    names = dict.fromkeys([*update_fields, "modified_at"])
    return rows_upsert(
        model=model,
        columns=[column_of(field) for field in fields],
        rows=[tuple(getattr(row, field.attname) for field in fields) for row in rows],
        conflict="spotify_id",
        update_columns=[column_of(concrete_field(model, name)) for name in names],
    )


def rows_upsert(
    *,
    model: type[models.Model],
    columns: list[str],
    rows: Sequence[tuple],
    conflict: str,
    update_columns: list[str],
    returning: bool = True,
) -> dict:
    """Insert or update rows given as tuples of `columns` (JSON columns as Python values), keyed by the unique
    column `conflict`; returns {conflict value: pk} when `returning`. The one bulk upsert of the catalog."""
    return dialect_for().rows_upsert(
        model=model, columns=columns, rows=rows, conflict=conflict, update_columns=update_columns, returning=returning
    )


def links_insert(*, through: type[models.Model], left: str, right: str, pairs: Iterable[tuple[int, int]]) -> None:
    """Add many-to-many links in bulk; existing links are left alone."""
    dialect_for().links_insert(through=through, columns=(f"{left}_id", f"{right}_id"), pairs=pairs)


def rows_insert_absent(
    *, model: type[models.Model], columns: list[str], rows: Sequence[tuple], key: str
) -> dict | None:
    """Insert rows whose unique column `key` was absent when read; returns {key: pk}, or None when nothing was
    written (no faster way than `rows_upsert` here, or another writer stored one of them meanwhile)."""
    return dialect_for().rows_insert_absent(model=model, columns=columns, rows=rows, key=key)


def rows_copy(*, model: type[models.Model], columns: list[str], rows: Sequence[tuple]) -> None:
    """Insert rows that cannot conflict with stored ones: they hang off rows inserted in this transaction."""
    dialect_for().rows_copy(model=model, columns=columns, rows=rows)


def rows_fetch(*, model: type[models.Model], key: str, values: Sequence, columns: list[str]) -> list[tuple]:
    """`columns` of the rows whose column `key` is in `values`."""
    return dialect_for().rows_fetch(model=model, key=key, values=values, columns=columns)


def genres_ensure(*, names: Iterable[str]) -> dict[str, int]:
    """Genre rows for these names (created when missing); returns {name: pk}."""
    wanted = {name.strip().lower(): name.strip() for name in names if name and name.strip()}
    if not wanted:
        return {}
    rows = [Genre(spotify_id=genre_spotify_id(key), name=key) for key in wanted]
    Genre.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    by_spotify_id = dict(
        Genre.objects.filter(spotify_id__in=[row.spotify_id for row in rows]).values_list("spotify_id", "id")
    )
    return {key: by_spotify_id[genre_spotify_id(key)] for key in wanted}


def artist_refs_ensure(*, refs: Iterable[SpotifyArtistRef]) -> dict[str, int]:
    """Artists known only by id and name (from album/track payloads): created if missing, name kept fresh."""
    unique = {ref.id: ref for ref in refs}
    rows = [
        Artist(
            spotify_id=ref.id,
            name=ref.name,
            spotify_data={"type": "artist", "uri": ref.uri or f"spotify:artist:{ref.id}"},
        )
        for ref in unique.values()
    ]
    return bulk_upsert(model=Artist, rows=rows, update_fields=["name"])


@transaction.atomic
def artists_upsert(*, artists: Sequence[SpotifyArtist]) -> dict[str, int]:
    """Store full Spotify artists (genres added, never removed); returns {spotify_id: pk}."""
    unique = {artist.id: artist for artist in artists}
    rows = [
        Artist(
            spotify_id=artist.id,
            name=artist.name,
            images=artist.images,
            popularity=artist.popularity,
            followers=artist.followers,
            spotify_data={
                "type": "artist",
                "uri": artist.uri,
                "popularity": artist.popularity,
                "followers": artist.followers,
                "images": artist.images,
                "genres": artist.genres,
            },
        )
        for artist in unique.values()
    ]
    ids = bulk_upsert(
        model=Artist, rows=rows, update_fields=["name", "images", "popularity", "followers", "spotify_data"]
    )
    genre_ids = genres_ensure(names=[name for artist in unique.values() for name in artist.genres])
    links_insert(
        through=Artist.genres.through,
        pairs=[
            (ids[artist.id], genre_ids[name.strip().lower()])
            for artist in unique.values()
            for name in artist.genres
            if name.strip()
        ],
        left="artist",
        right="genre",
    )
    return ids


def _album_row(album: SpotifyAlbum) -> Album:
    try:
        release_date, precision = release_date_parse(value=album.release_date, precision=album.release_date_precision)
    except InvalidReleaseDate:
        release_date, precision = None, Album.DatePrecision.DAY
    return Album(
        spotify_id=album.id,
        name=album.name,
        album_type=ALBUM_TYPES.get((album.album_type or "").lower(), Album.AlbumType.ALBUM),
        total_tracks=album.total_tracks or 0,
        release_date=release_date,
        release_date_precision=precision,
        images=album.images,
        spotify_data={"type": "album", "uri": album.uri, "images": album.images},
    )


@transaction.atomic
def albums_upsert(*, albums: Sequence[SpotifyAlbum]) -> dict[str, int]:
    """Store Spotify albums with their artists (and their tracks when the payload has them)."""
    unique = {album.id: album for album in albums}
    artist_ids = artist_refs_ensure(refs=[ref for album in unique.values() for ref in album.artists])
    ids = bulk_upsert(
        model=Album,
        rows=[_album_row(album) for album in unique.values()],
        update_fields=[
            "name", "album_type", "total_tracks", "release_date", "release_date_precision", "images", "spotify_data",
        ],
    )  # fmt: skip
    links_insert(
        through=Album.artists.through,
        pairs=[(ids[album.id], artist_ids[ref.id]) for album in unique.values() for ref in album.artists],
        left="album",
        right="artist",
    )
    for album in unique.values():
        if album.tracks:
            tracks_upsert(tracks=album.tracks, album_pk=ids[album.id])
    return ids


@transaction.atomic
def tracks_upsert(*, tracks: Sequence[SpotifyTrack], album_pk: int | None = None) -> dict[str, int]:
    """Store Spotify tracks with their album and artists; `album_pk` for an album's simplified tracks."""
    unique = {track.id: track for track in tracks}
    album_ids = albums_upsert(albums=[track.album for track in unique.values() if track.album is not None])
    artist_ids = artist_refs_ensure(refs=[ref for track in unique.values() for ref in track.artists])
    rows = []
    for track in unique.values():
        rows.append(
            Track(
                spotify_id=track.id,
                name=track.name,
                album_id=album_ids[track.album.id] if track.album is not None else album_pk,
                track_number=track.track_number,
                disc_number=track.disc_number,
                duration_ms=track.duration_ms,
                explicit=track.explicit,
                popularity=track.popularity,
                spotify_data={
                    "id": track.id,
                    "type": "track",
                    "uri": track.uri,
                    "preview_url": track.preview_url or "",
                },
            )
        )
    update_fields = ["name", "track_number", "disc_number", "duration_ms", "explicit", "spotify_data"]
    if any(row.album_id for row in rows):
        update_fields.append("album")
    if any(track.popularity is not None for track in unique.values()):
        update_fields.append("popularity")
    ids = bulk_upsert(model=Track, rows=rows, update_fields=update_fields)
    links_insert(
        through=Track.artists.through,
        pairs=[(ids[track.id], artist_ids[ref.id]) for track in unique.values() for ref in track.artists],
        left="track",
        right="artist",
    )
    return ids
