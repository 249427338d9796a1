"""External (Spotify-backed) catalog mode against the stub Spotify: search, store, detail."""

import pytest

from catalog.models import Album, Artist, Genre, Track
from spotify_stub.catalog_universe import universe
from tests.factories_catalog import *  # noqa: F403 - fixtures: client_signed_in

pytestmark = pytest.mark.django_db


def _stub_album():
    return next(album for album in universe()["albums"].values() if album["release_date_precision"] == "year")


@pytest.mark.parametrize(("resource", "model"), [("artists", Artist), ("albums", Album), ("tracks", Track)])
def test_external_search_returns_spotify_results_and_stores_them(client_signed_in, resource, model):
    response = client_signed_in.get(f"/api/v1/{resource}/", {"external": "true", "q": "love"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"href", "count", "limit", "offset", "next", "previous", "results"}
    assert body["limit"] == 10
    assert body["offset"] == 0
    assert len(body["results"]) == 10
    assert body["previous"] is None
    assert "offset=10" in body["next"]
    stored = model.objects.in_bulk([item["id"] for item in body["results"]])
    assert len(stored) == 10
    for item in body["results"]:
        assert item["pk"] == item["id"]
        assert stored[item["id"]].spotify_id == item["spotify_id"]
        assert item["spotify_data"]["uri"] == f"spotify:{resource[:-1]}:{item['spotify_id']}"


def test_external_artist_items_carry_contract_spotify_data_and_genres(client_signed_in):
    body = client_signed_in.get("/api/v1/artists/", {"external": "1", "q": "velvet", "limit": 3}).json()

    artist = body["results"][0]
    assert {"type", "uri", "popularity", "followers", "images"} <= set(artist["spotify_data"])
    assert isinstance(artist["spotify_data"]["followers"], int)
    assert isinstance(artist["spotify_data"]["images"][0], str)
    assert artist["genres"]
    assert artist["genre_names"]
    assert Genre.objects.filter(spotify_id=f"genre-{artist['genre_names'][0]}").exists()


def test_external_tracks_carry_album_link_and_names(client_signed_in):
    track = client_signed_in.get("/api/v1/tracks/", {"external": "yes", "q": "love", "limit": 1}).json()["results"][0]

    assert track["album_link"].startswith("http://testserver/api/v1/albums/")
    assert track["album_name"]
    assert track["artist_names"]
    assert track["spotify_data"]["type"] == "track"


def test_external_search_honours_limit_and_offset(client_signed_in):
    first = client_signed_in.get("/api/v1/tracks/", {"external": "true", "q": "love", "limit": 5}).json()
    second = client_signed_in.get("/api/v1/tracks/", {"external": "true", "q": "love", "limit": 5, "offset": 5}).json()

    assert len(first["results"]) == len(second["results"]) == 5
    assert not {item["spotify_id"] for item in first["results"]} & {item["spotify_id"] for item in second["results"]}
    assert second["previous"] is not None
    assert "offset" not in second["previous"]


@pytest.mark.parametrize("limit", [0, 51, "x"])
def test_external_limit_must_be_between_1_and_50(client_signed_in, limit):
    response = client_signed_in.get("/api/v1/tracks/", {"external": "true", "q": "love", "limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()


def test_repeated_external_search_creates_no_duplicates(client_signed_in):
    client_signed_in.get("/api/v1/albums/", {"external": "true", "q": "love"})
    counts = (Artist.objects.count(), Album.objects.count(), Track.objects.count())

    client_signed_in.get("/api/v1/albums/", {"external": "true", "q": "love"})

    assert (Artist.objects.count(), Album.objects.count(), Track.objects.count()) == counts


def test_external_results_are_found_in_our_catalog_afterwards(client_signed_in):
    found = client_signed_in.get("/api/v1/artists/", {"external": "true", "q": "neon"}).json()["results"]

    ours = client_signed_in.get("/api/v1/artists/", {"q": "neon"}).json()

    assert {item["spotify_id"] for item in found} <= {item["spotify_id"] for item in ours["results"]}


@pytest.mark.parametrize("resource", ["artists", "albums", "tracks"])
def test_external_search_without_q_is_400(client_signed_in, resource):
    response = client_signed_in.get(f"/api/v1/{resource}/", {"external": "true"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Missing search parameter 'q'."}


def test_genres_cannot_be_searched_externally(client_signed_in):
    response = client_signed_in.get("/api/v1/genres/", {"external": "true", "q": "rock"})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Service cannot satisfy request because it is not available through the Streaming Platform API."
    }


def test_external_album_detail_stores_album_with_tracks_and_normalised_date(client_signed_in):
    stub = _stub_album()

    response = client_signed_in.get(f"/api/v1/albums/{stub['id']}/", {"external": "true"})

    assert response.status_code == 200
    body = response.json()
    album = Album.objects.get(spotify_id=stub["id"])
    assert body["id"] == body["pk"] == album.pk
    assert body["release_date"] == f"{stub['release_date']}-01-01"
    assert album.release_date_precision == "year"
    assert album.total_tracks == stub["total_tracks"] == album.tracks.count()
    assert body["artists"] == [f"http://testserver/api/v1/artists/{album.artists.get().pk}/"]


def test_external_detail_corrects_our_copy(client_signed_in):
    stub = _stub_album()
    Album.objects.create(spotify_id=stub["id"], name="old name", total_tracks=1)

    client_signed_in.get(f"/api/v1/albums/{stub['id']}/", {"external": "true"})

    album = Album.objects.get(spotify_id=stub["id"])
    assert (album.name, album.total_tracks) == (stub["name"], stub["total_tracks"])


def test_external_artist_detail_adds_genres(client_signed_in):
    stub = next(iter(universe()["artists"].values()))
    artist = Artist.objects.create(spotify_id=stub["id"], name=stub["name"])
    artist.genres.add(Genre.objects.create(spotify_id="genre-mine", name="mine"))

    body = client_signed_in.get(f"/api/v1/artists/{stub['id']}/", {"external": "true"}).json()

    assert set(body["genre_names"]) == {"mine", *stub["genres"]}
    assert body["spotify_data"]["followers"] == stub["followers"]["total"]


def test_external_track_detail(client_signed_in):
    stub = next(iter(universe()["tracks"].values()))

    body = client_signed_in.get(f"/api/v1/tracks/{stub['id']}/", {"external": "true"}).json()

    assert body["name"] == stub["name"]
    assert body["duration_ms"] == stub["duration_ms"]
    assert body["album_name"] == stub["album"]["name"]


def test_external_detail_of_unknown_spotify_id_is_404(client_signed_in):
    response = client_signed_in.get("/api/v1/tracks/0000000000000000000000/", {"external": "true"})

    assert response.status_code == 404


def test_external_detail_of_malformed_spotify_id_is_400(client_signed_in):
    response = client_signed_in.get("/api/v1/tracks/not-an-id/", {"external": "true"})

    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


def test_external_items_carry_the_juke_uri_and_keep_spotifys(client_signed_in):
    body = client_signed_in.get("/api/v1/tracks/", {"external": "true", "q": "love", "limit": 2}).json()

    for item in body["results"]:
        assert item["uri"] == f"juke:track:{item['spotify_id']}"
        assert item["spotify_data"]["uri"] == f"spotify:track:{item['spotify_id']}"
