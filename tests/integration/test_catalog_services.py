"""Crawl, genre sync and featured genres through the real adapter and the stub Spotify (eager tasks)."""

import pytest
import responses
from celery.exceptions import Retry
from django.core.cache import cache
from django.core.management import call_command

from catalog.models import Album, Artist, Genre, Track
from catalog.services.crawl import catalog_crawl
from catalog.tasks import crawl_catalog, refresh_featured_genres, sync_spotify_genres
from integrations.spotify.catalog import SpotipyCatalogClient
from integrations.spotify.errors import SpotifyBadRequest, SpotifyNotFound, SpotifyUnavailable
from spotify_stub.catalog_universe import GENRES, universe

pytestmark = pytest.mark.django_db


def _rows():
    return (
        sorted(Artist.objects.values_list("spotify_id", flat=True)),
        sorted(Album.objects.values_list("spotify_id", "total_tracks")),
        sorted(Track.objects.values_list("spotify_id", "album__spotify_id")),
        sorted(Album.artists.through.objects.values_list("album__spotify_id", "artist__spotify_id")),
        sorted(Track.artists.through.objects.values_list("track__spotify_id", "artist__spotify_id")),
    )


def test_crawl_stores_artists_albums_and_all_their_tracks():
    result = crawl_catalog.delay(genres=["jazz"], artists_per_genre=2).get()

    stub = universe()
    artists = Artist.objects.filter(genres__name="jazz").distinct()
    assert result["artists"] == artists.count() == 2
    for artist in artists:
        album_ids = stub["artist_albums"][artist.spotify_id]
        assert set(artist.albums.values_list("spotify_id", flat=True)) == set(album_ids)
        for album in Album.objects.filter(spotify_id__in=album_ids):
            assert album.tracks.count() == album.total_tracks == len(stub["albums"][album.spotify_id]["_track_ids"])


def test_crawl_run_twice_ends_with_the_same_rows_and_skips_complete_albums():
    first = catalog_crawl(genres=["rock"], artists_per_genre=3)
    rows = _rows()

    second = catalog_crawl(genres=["rock"], artists_per_genre=3)

    assert _rows() == rows
    assert second.albums == 0
    assert second.albums_skipped == first.albums


class OneAlbumMissing(SpotipyCatalogClient):
    """The stub Spotify, except that one album's tracks are gone (404)."""

    def __init__(self, missing: str):
        super().__init__()
        self.missing = missing

    def get_album_tracks(self, *, spotify_id, limit=50, offset=0):
        if spotify_id == self.missing:
            raise SpotifyNotFound("Resource not found")
        return super().get_album_tracks(spotify_id=spotify_id, limit=limit, offset=offset)


def test_crawl_isolates_a_failing_album_and_goes_on():
    artist_id = next(iter(universe()["artists"]))
    missing, *others = universe()["artist_albums"][artist_id]

    result = catalog_crawl(artist_ids=[artist_id], client=OneAlbumMissing(missing))

    assert result.failures == [f"album {missing}: Resource not found"]
    assert result.albums == len(others)
    assert not Track.objects.filter(album__spotify_id=missing).exists()
    assert all(Album.objects.get(spotify_id=album_id).tracks.exists() for album_id in others)


def test_crawl_command(capsys):
    artist_id = next(iter(universe()["artists"]))

    call_command("crawl_catalog", "--artist", artist_id)

    output = capsys.readouterr()
    assert "Crawled 1 artists" in output.out
    assert output.err.startswith("Crawling the stub Spotify (SPOTIFY_USE_STUB_DATA is on)")
    assert Track.objects.exists()


def test_genre_sync_task_creates_every_seed_once():
    first = sync_spotify_genres.delay().get()
    second = sync_spotify_genres.delay().get()

    assert first == {"total": len(GENRES), "created": len(GENRES), "source": "genre-seeds"}
    assert second["created"] == 0
    assert Genre.objects.count() == len(GENRES)
    assert Genre.objects.filter(spotify_id="genre-r&b", name="r&b").exists()


def test_import_genres_command_reads_a_text_file(tmp_path, capsys):
    path = tmp_path / "genres.txt"
    path.write_text("# seeds\nrock\nJazz\n\nrock\n")

    call_command("import_genres", str(path))

    assert sorted(Genre.objects.values_list("name", flat=True)) == ["jazz", "rock"]
    assert "2 created" in capsys.readouterr().out


def test_refresh_featured_genres_task_fills_the_cache():
    cache.clear()
    assert refresh_featured_genres.delay().get() == 20
    assert len(cache.get("catalog:featured-genres:v1")) == 20
    cache.clear()


@pytest.fixture
def real_spotify(settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    settings.SOCIAL_AUTH_SPOTIFY_KEY = "services-client-id"
    settings.SOCIAL_AUTH_SPOTIFY_SECRET = "services-client-secret"
    settings.SPOTIFY_MAX_RETRIES = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.POST, "https://accounts.spotify.com/api/token", json={"access_token": "t", "expires_in": 3600}
        )
        yield mock


SEEDS_URL = "https://api.spotify.com/v1/recommendations/available-genre-seeds"


def test_genre_sync_falls_back_to_categories_when_seeds_are_gone(real_spotify):
    real_spotify.add(responses.GET, SEEDS_URL, status=404, json={"error": {"status": 404, "message": "gone"}})
    real_spotify.add(
        responses.GET,
        "https://api.spotify.com/v1/browse/categories",
        json={"categories": {"items": [{"id": "pop", "name": "Pop"}, {"id": "rock", "name": "Rock"}], "total": 2}},
    )

    result = sync_spotify_genres.delay().get()

    assert result["source"] == "categories"
    assert sorted(Genre.objects.values_list("name", flat=True)) == ["pop", "rock"]


def test_genre_sync_task_schedules_a_retry_on_a_transient_error(real_spotify):
    real_spotify.add(responses.GET, SEEDS_URL, status=503, json={"error": {"status": 503, "message": "down"}})

    with pytest.raises(Retry) as caught:
        sync_spotify_genres.delay().get()

    assert isinstance(caught.value.exc, SpotifyUnavailable)


def test_genre_sync_task_does_not_retry_a_bad_request(real_spotify):
    real_spotify.add(responses.GET, SEEDS_URL, status=400, json={"error": {"status": 400, "message": "bad"}})

    with pytest.raises(SpotifyBadRequest):
        sync_spotify_genres.delay().get()

    assert len([call for call in real_spotify.calls if call.request.url.startswith(SEEDS_URL)]) == 1
