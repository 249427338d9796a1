"""Catalog endpoints in internal (database) mode, and featured genres / refresh."""

import time

import pytest

from catalog.models import Genre
from catalog.pagination import cursor_encode
from recommender.services.seeds import seed_uri_parse
from tests.factories_catalog import *  # noqa: F403 - fixtures: admin_client, client_signed_in, empty_cache
from tests.factories_catalog import AlbumFactory, ArtistFactory, GenreFactory, TrackFactory

pytestmark = pytest.mark.django_db

RESOURCES = ["genres", "artists", "albums", "tracks"]


@pytest.fixture
def catalog():
    rock, jazz = GenreFactory(name="rock"), GenreFactory(name="jazz")
    queen = ArtistFactory(name="Queen", genres=[rock])
    miles = ArtistFactory(name="Miles Davis", genres=[jazz])
    opera = AlbumFactory(name="A Night at the Opera", artists=[queen])
    blue = AlbumFactory(name="Kind of Blue", artists=[miles])
    tracks = [
        TrackFactory(name="Bohemian Rhapsody", album=opera, artists=[queen], track_number=11),
        TrackFactory(name="Love of My Life", album=opera, artists=[queen]),
        TrackFactory(name="So What", album=blue, artists=[miles]),
        TrackFactory(name="Blue in Green", album=blue, artists=[]),
    ]
    return {"rock": rock, "jazz": jazz, "queen": queen, "miles": miles, "opera": opera, "blue": blue, "tracks": tracks}


@pytest.mark.parametrize("resource", RESOURCES)
def test_anonymous_requests_get_401(api_client, resource):
    response = api_client.get(f"/api/v1/{resource}/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("resource", RESOURCES)
def test_catalog_is_read_only(client_signed_in, resource):
    response = client_signed_in.post(f"/api/v1/{resource}/", {"name": "x"}, format="json")

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.'}


def test_track_list_is_paginated_with_contract_fields(client_signed_in, catalog):
    body = client_signed_in.get("/api/v1/tracks/?limit=2").json()

    assert body["count"] == 4
    assert body["next"] == "http://testserver/api/v1/tracks/?limit=2&offset=2"
    assert body["previous"] is None
    first = body["results"][0]
    track = catalog["tracks"][0]
    assert first["id"] == first["pk"] == track.pk
    assert first["url"] == f"http://testserver/api/v1/tracks/{track.pk}/"
    assert first["album"] == first["album_link"] == f"http://testserver/api/v1/albums/{catalog['opera'].pk}/"
    assert first["album_name"] == "A Night at the Opera"
    assert first["artist_names"] == "Queen"
    assert first["artists"] == [f"http://testserver/api/v1/artists/{catalog['queen'].pk}/"]
    assert first["track_number"] == 11
    assert first["explicit"] is False
    assert set(first) >= {"spotify_id", "name", "created_at", "modified_at", "spotify_data", "custom_data"}


def test_track_without_artists_shows_the_album_artists_names(client_signed_in, catalog):
    body = client_signed_in.get("/api/v1/tracks/", {"q": "blue in green"}).json()

    assert body["results"][0]["artist_names"] == "Miles Davis"


def test_lists_default_to_20_items_in_id_order(client_signed_in):
    TrackFactory.create_batch(25)

    body = client_signed_in.get("/api/v1/tracks/").json()

    assert len(body["results"]) == 20
    ids = [item["id"] for item in body["results"]]
    assert ids == sorted(ids)


def test_album_and_artist_representations_carry_relations(client_signed_in, catalog):
    album = client_signed_in.get(f"/api/v1/albums/{catalog['opera'].pk}/").json()
    artist = client_signed_in.get(f"/api/v1/artists/{catalog['queen'].pk}/").json()

    assert album["artists"] == [f"http://testserver/api/v1/artists/{catalog['queen'].pk}/"]
    assert album["release_date"] == "2020-01-01"
    assert album["album_type"] == "ALBUM"
    assert album["total_tracks"] == 10
    assert artist["genres"] == [f"http://testserver/api/v1/genres/{catalog['rock'].pk}/"]
    assert artist["genre_names"] == ["rock"]
    assert artist["id"] == artist["pk"] == catalog["queen"].pk


@pytest.mark.parametrize("param", ["q", "search"])
def test_search_by_name_is_case_insensitive(client_signed_in, catalog, param):
    body = client_signed_in.get("/api/v1/tracks/", {param: "LOVE"}).json()

    assert [item["name"] for item in body["results"]] == ["Love of My Life"]
    assert body["count"] == 1


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/api/v1/tracks/", {"album": "opera"}, ["Bohemian Rhapsody", "Love of My Life"]),
        ("/api/v1/tracks/", {"artist": "miles"}, ["So What"]),
        ("/api/v1/tracks/", {"genre": "jazz"}, ["So What"]),
        ("/api/v1/albums/", {"artist": "queen"}, ["A Night at the Opera"]),
        ("/api/v1/albums/", {"genre": "jazz"}, ["Kind of Blue"]),
        ("/api/v1/artists/", {"genre": "rock"}, ["Queen"]),
    ],
)
def test_filters_by_related_id(client_signed_in, catalog, path, params, expected):
    params = {key: catalog[value].pk for key, value in params.items()}

    body = client_signed_in.get(path, params).json()

    assert [item["name"] for item in body["results"]] == expected


def test_filters_accept_spotify_ids(client_signed_in, catalog):
    body = client_signed_in.get("/api/v1/tracks/", {"artist": catalog["queen"].spotify_id}).json()

    assert body["count"] == 2


@pytest.mark.parametrize("resource", ["artists", "albums", "tracks"])
def test_non_integer_detail_is_404_in_internal_mode(client_signed_in, catalog, resource):
    response = client_signed_in.get(f"/api/v1/{resource}/4uLU6hMCjMI75M1A2tKUQC/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_unknown_id_is_404(client_signed_in):
    assert client_signed_in.get("/api/v1/tracks/999999/").status_code == 404


@pytest.mark.parametrize(("resource", "max_queries"), [("genres", 3), ("artists", 4), ("albums", 4), ("tracks", 5)])
def test_query_count_per_page_does_not_grow_with_the_page(
    client_signed_in, django_assert_max_num_queries, resource, max_queries
):
    genre = GenreFactory()
    for _ in range(30):
        artist = ArtistFactory(genres=[genre])
        TrackFactory(album=AlbumFactory(artists=[artist]), artists=[artist])

    # session/auth lookups are avoided by force_authenticate: count, page, and one per prefetched relation.
    with django_assert_max_num_queries(max_queries):
        response = client_signed_in.get(f"/api/v1/{resource}/", {"limit": 30})

    assert response.status_code == 200


def test_search_counts_exactly_up_to_the_cap_then_estimates(client_signed_in, settings):
    settings.CATALOG_COUNT_CAP = 3
    TrackFactory.create_batch(5, name="Same Song")
    TrackFactory.create_batch(2, name="Other Song")

    many = client_signed_in.get("/api/v1/tracks/", {"q": "same", "limit": 2}).json()
    few = client_signed_in.get("/api/v1/tracks/", {"q": "other"}).json()

    assert many["count"] >= 3  # the cap (SQLite) or the planner's estimate (PostgreSQL)
    assert len(many["results"]) == 2
    assert many["next"]
    assert few["count"] == 2


@pytest.mark.parametrize("value", ["false", "0", "no", "off", ""])
def test_external_false_never_calls_spotify(client_signed_in, catalog, value, settings):
    settings.SPOTIFY_USE_STUB_DATA = False  # any Spotify call would now hit the network guard and fail

    response = client_signed_in.get("/api/v1/artists/", {"external": value, "q": "queen"})

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["results"]] == ["Queen"]


def test_external_must_be_a_boolean(client_signed_in):
    response = client_signed_in.get("/api/v1/artists/", {"external": "maybe", "q": "x"})

    assert response.status_code == 400
    assert "external" in response.json()


def test_featured_genres_lists_20_genres_in_contract_order_with_top_artists(client_signed_in, empty_cache):
    response = client_signed_in.get("/api/v1/genres/featured/")

    assert response.status_code == 200
    body = response.json()
    assert [genre["id"] for genre in body] == [
        "hiphop", "pop", "rock", "rnb", "electronic", "country", "jazz", "classical", "latin", "indie",
        "metal", "reggae", "folk", "blues", "funk", "punk", "soul", "rap", "edm", "house",
    ]  # fmt: skip
    assert body[3] == {**body[3], "name": "R&B", "spotify_id": "r&b"}
    for genre in body:
        assert 1 <= len(genre["top_artists"]) <= 3
        for artist in genre["top_artists"]:
            assert isinstance(artist["name"], str)
            assert artist["name"]
            assert isinstance(artist["image_url"], str)
            assert isinstance(artist["id"], str)


def test_featured_genres_are_cached(client_signed_in, empty_cache, settings):
    first = client_signed_in.get("/api/v1/genres/featured/").json()
    settings.SPOTIFY_USE_STUB_DATA = False  # Spotify would now fail: the answer must come from the cache

    assert client_signed_in.get("/api/v1/genres/featured/").json() == first


def test_featured_genres_give_partial_data_within_the_budget(client_signed_in, empty_cache, settings, monkeypatch):
    monkeypatch.setenv("SPOTIFY_STUB_LATENCY_SECONDS", "0.5")
    settings.FEATURED_GENRES_FETCH_BUDGET_SECONDS = 0.2

    started = time.monotonic()
    body = client_signed_in.get("/api/v1/genres/featured/").json()

    assert time.monotonic() - started < 1.5
    assert len(body) == 20
    assert all(genre["top_artists"] == [] for genre in body)


def test_featured_genres_require_sign_in(api_client):
    assert api_client.get("/api/v1/genres/featured/").status_code == 401


def test_genre_refresh_is_admin_only(client_signed_in, api_client):
    assert client_signed_in.post("/api/v1/genres/refresh/").status_code == 403
    assert client_signed_in.post("/api/v1/genres/refresh/").json() == {
        "detail": "You do not have permission to perform this action."
    }
    assert api_client.post("/api/v1/genres/refresh/").status_code == 401


def test_admin_genre_refresh_answers_202_with_task_id_and_the_task_runs(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/api/v1/genres/refresh/")

    assert response.status_code == 202
    assert isinstance(response.json()["task_id"], str)
    assert Genre.objects.filter(spotify_id="genre-hip-hop").exists()


def test_openapi_schema_documents_catalog_endpoints(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    for path in ["/api/v1/tracks/", "/api/v1/tracks/{id}/", "/api/v1/genres/featured/", "/api/v1/genres/refresh/"]:
        assert path in schema["paths"]
    names = {parameter["name"] for parameter in schema["paths"]["/api/v1/tracks/"]["get"]["parameters"]}
    assert {"external", "q", "search", "limit", "offset", "artist", "album", "genre"} <= names


def test_api_root_links_catalog_resources(client_signed_in):
    body = client_signed_in.get("/api/v1/").json()

    assert body["tracks"] == "http://testserver/api/v1/tracks/"
    assert body["genres"] == "http://testserver/api/v1/genres/"


def test_a_track_without_album_name_or_artist_lists_and_shows_without_error(client_signed_in):
    track = TrackFactory(name="", album=None)

    listed = client_signed_in.get("/api/v1/tracks/").json()["results"]
    detail = client_signed_in.get(f"/api/v1/tracks/{track.pk}/")

    assert [item["spotify_id"] for item in listed] == [track.spotify_id]
    assert detail.status_code == 200
    body = detail.json()
    assert (body["album"], body["album_name"], body["artist_names"]) == (None, "", "")


@pytest.mark.parametrize("resource", ["genres", "artists", "albums", "tracks"])
def test_every_catalog_item_carries_its_juke_uri_beside_spotifys(client_signed_in, catalog, resource):
    item = client_signed_in.get(f"/api/v1/{resource}/").json()["results"][0]
    detail = client_signed_in.get(f"/api/v1/{resource}/{item['id']}/").json()

    kind = resource[:-1]
    assert item["uri"] == detail["uri"] == f"juke:{kind}:{item['spotify_id']}"
    assert item["spotify_data"].get("uri", f"spotify:{kind}:{item['spotify_id']}").startswith("spotify:")


def test_a_tracks_uri_round_trips_as_a_recommendation_seed(client_signed_in, catalog):
    track = client_signed_in.get("/api/v1/tracks/").json()["results"][0]

    assert seed_uri_parse(track["uri"]) == ("track", track["spotify_id"])


def test_track_search_takes_at_most_three_queries(client_signed_in, django_assert_max_num_queries):
    genre = GenreFactory()
    for number in range(30):
        artist = ArtistFactory(genres=[genre])
        TrackFactory(name=f"Night Drive {number}", album=AlbumFactory(artists=[artist]), artists=[artist])

    # the matching ids (count and page), the page's tracks with their albums, their artists
    with django_assert_max_num_queries(3):
        response = client_signed_in.get("/api/v1/tracks/", {"q": "night drive", "limit": 20})

    assert response.json()["count"] == 30
    assert len(response.json()["results"]) == 20


def test_a_track_without_artists_still_names_its_albums_artists_in_a_list(client_signed_in, catalog):
    body = client_signed_in.get("/api/v1/tracks/", {"q": "blue in green"}).json()

    assert [item["artist_names"] for item in body["results"]] == ["Miles Davis"]


def _walk(client, params):
    seen, url, pages = [], "/api/v1/tracks/", 0
    while url:
        body = client.get(url, params if pages == 0 else None).json()
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1
    return seen, pages


def test_cursor_pages_walk_every_item_once_in_id_order(client_signed_in):
    TrackFactory.create_batch(7)

    by_cursor, pages = _walk(client_signed_in, {"cursor": "", "limit": 3})
    by_offset, _ = _walk(client_signed_in, {"limit": 3})

    assert by_cursor == by_offset == sorted(by_offset)
    assert len(by_cursor) == 7
    assert pages == 3


def test_a_cursor_page_is_served_by_the_same_queries_however_deep(client_signed_in, django_assert_max_num_queries):
    artist = ArtistFactory()
    tracks = TrackFactory.create_batch(6, artists=[artist])

    with django_assert_max_num_queries(2):  # the page (WHERE id > last ORDER BY id), its artists
        deep = client_signed_in.get("/api/v1/tracks/", {"cursor": cursor_encode(tracks[3].pk), "limit": 1}).json()

    assert [item["id"] for item in deep["results"]] == [tracks[4].pk]
    assert set(deep) == {"next", "results"}


@pytest.mark.parametrize("cursor", ["nonsense!", "aWQ6eA", "eDox"])  # not base64, "id:x", "x:1"
def test_a_forged_cursor_is_a_400_that_says_where_cursors_come_from(client_signed_in, cursor):
    response = client_signed_in.get("/api/v1/tracks/", {"cursor": cursor})

    assert response.status_code == 400
    assert "use the `next` link of the previous page" in response.json()["cursor"][0]


def test_offsets_are_capped_and_point_to_the_cursor(client_signed_in):
    assert client_signed_in.get("/api/v1/tracks/", {"offset": 10_000}).status_code == 200

    response = client_signed_in.get("/api/v1/tracks/", {"offset": 10_001})

    assert response.status_code == 400
    assert response.json() == {"offset": ["At most 10000; page deeper with `cursor=` (keyset pages)."]}
