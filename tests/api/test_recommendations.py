"""POST /api/v1/recommendations/ and GET /api/v1/recommendations/me/: input forms, errors and the 503 path.

Happy paths run against a real engine process (the `engine_server` fixture: PostgreSQL only, skipped locally on
SQLite). Validation, auth and engine-failure tests need no engine.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.test import APIClient

from catalog.models import Artist, Genre, Track
from juke_auth.models import JukeUser, MusicProfile
from recommender.models import ModelArtifact
from recommender.services.training import model_retrain
from tests.plugins.engine_server import free_port, refresh_engine
from tests.recommender_catalog import demo_catalog_create

URL = "/api/v1/recommendations/"
ME_URL = "/api/v1/recommendations/me/"
UNAVAILABLE = {"detail": "Recommendations are temporarily unavailable. Please try again.", "code": "engine_unavailable"}


@pytest.fixture
def listener(db) -> JukeUser:
    return JukeUser.objects.create_user(username="listener", email="listener@example.com", password="x")


@pytest.fixture
def client(listener) -> APIClient:
    api = APIClient()
    api.force_authenticate(listener)
    return api


# ---- auth, methods, validation (no engine needed) -------------------------------------------------------


def test_anonymous_requests_get_401(api_client, db):
    assert api_client.post(URL, {"artists": ["Queen"]}, format="json").status_code == 401
    assert api_client.get(ME_URL).status_code == 401


def test_get_on_the_post_endpoint_is_405(client):
    response = client.get(URL)
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}


@pytest.mark.parametrize(
    "body",
    [{}, {"artists": [], "genres": []}, {"artists": ["  ", ""], "tracks": [" "]}, {"limit": 5}],
)
def test_at_least_one_seed_is_required(client, body):
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Provide at least one artist, album, track, or genre."]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"artists": ["Queen"], "limit": 51}, {"limit": ["Ensure this value is less than or equal to 50."]}),
        ({"artists": ["Queen"], "limit": 0}, {"limit": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"artists": ["Queen"], "resource_types": ["genres"]},
            {"resource_types": {"0": ['"genres" is not a valid choice.']}},
        ),
        (
            {"artists": ["Queen"], "seed_weight": 1.5},
            {"seed_weight": ["Ensure this value is less than or equal to 1.0."]},
        ),
        ({"artists": "Queen"}, {"artists": ['Expected a list of items but got type "str".']}),
    ],
)
def test_invalid_fields_are_400_with_field_errors(client, body, errors):
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (
            "spotify-artist-123",
            "Invalid seed URI: 'spotify-artist-123'. Use juke:artist:<spotify_id>, juke:album:<spotify_id> or "
            "juke:track:<spotify_id>.",
        ),
        (
            "juke:artist:0000000000000000000000",
            "Unknown seed: 'juke:artist:0000000000000000000000' is not in the catalog.",
        ),
    ],
)
def test_invalid_or_unknown_seed_uris_are_400_naming_them(client, seed, message):
    response = client.post(URL, {"seeds": [seed]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"seeds": [message]}


def test_unknown_profiles_are_400_naming_them(client):
    response = client.post(URL, {"profiles": ["nobody-here"]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"profiles": ["Unknown profile: 'nobody-here'."]}


@pytest.mark.parametrize("favourites", [None, {}])
def test_me_without_favourites_is_400_with_a_clear_message(client, listener, favourites):
    if favourites is not None:
        MusicProfile.objects.create(user=listener, favorite_genres=[], favorite_artists=[])
    response = client.get(ME_URL)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Nothing to learn your taste from yet: play or like some music (or scrobble it to Juke), "
        "or add favourite artists, albums, tracks or genres to your music profile.",
        "code": "empty_profile",  # a domain error: core adds its code (issue 9)
    }


# ---- the engine down or slow -------------------------------------------------------------------------


@pytest.fixture
def demo_catalog(db):
    demo_catalog_create(step=3)
    return model_retrain()


def test_engine_down_is_503_and_the_rest_of_the_api_still_answers(client, settings, demo_catalog):
    settings.RECOMMENDER_ENGINE_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response = client.post(URL, {"artists": ["Green Day"]}, format="json")
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE
    assert client.get("/healthz").status_code in (200, 503)  # answered, not hung or crashed
    assert client.get("/api/v1/").status_code == 200


class _SlowEngine(BaseHTTPRequestHandler):
    def do_POST(self):
        time.sleep(2)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_engine():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowEngine)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_engine_timeout_is_503(client, settings, demo_catalog, slow_engine):
    settings.RECOMMENDER_ENGINE_BASE_URL = slow_engine
    settings.RECOMMENDER_ENGINE_TIMEOUT = 0.3
    started = time.monotonic()
    response = client.post(URL, {"genres": ["hard rock"]}, format="json")
    assert response.status_code == 503
    assert response.json() == UNAVAILABLE
    assert time.monotonic() - started < 1.5


# ---- against the real engine (PostgreSQL) --------------------------------------------------------------


@pytest.fixture
def live(engine_server, transactional_db):
    """The demo catalog trained and loaded by a real engine; returns the active model version."""
    demo_catalog_create(step=3)
    result = model_retrain()
    refresh_engine(engine_server)
    return result.artifact.version


def _ids(items) -> list[str]:
    return [item["extra"]["spotify_id"] for item in items]


def _genres_of(spotify_ids) -> list[set[str]]:
    return [
        set(Genre.objects.filter(artists__spotify_id=spotify_id).values_list("name", flat=True))
        for spotify_id in spotify_ids
    ]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_artists_like_an_artist_by_name_exclude_the_seed_and_share_its_genres(client, live):
    seed = Artist.objects.get(name="Guns N' Roses")
    response = client.post(URL, {"artists": ["guns n' roses"], "resource_types": ["artists"]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"artists", "albums", "tracks", "model_version", "generated_at"}
    assert body["albums"] == []
    assert body["tracks"] == []
    assert len(body["artists"]) == 10
    assert seed.spotify_id not in _ids(body["artists"])
    assert body["model_version"] == live
    assert body["generated_at"].endswith("Z")
    likeness = [item["likeness"] for item in body["artists"]]
    assert likeness == sorted(likeness, reverse=True)
    assert all(0.0 <= value <= 1.0 for value in likeness)
    assert body["artists"][0]["extra"]["model_version"] == live
    rock = [genres for genres in _genres_of(_ids(body["artists"])[:5]) if "rock" in genres]
    assert len(rock) >= 4  # musically sensible: the nearest artists are rock artists


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_uri_seed_gives_the_same_ranking_as_the_name(client, live):
    seed = Artist.objects.get(name="Guns N' Roses")
    by_name = client.post(URL, {"artists": ["Guns N' Roses"], "limit": 5}, format="json").json()
    by_uri = client.post(URL, {"seeds": [f"juke:artist:{seed.spotify_id}"], "limit": 5}, format="json").json()
    for kind in ("artists", "albums", "tracks"):
        assert _ids(by_uri[kind]) == _ids(by_name[kind])
        assert len(by_uri[kind]) == 5


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_track_album_and_genre_seeds(client, live):
    track = Track.objects.filter(artists__name="Hardwell").first()
    response = client.post(
        URL,
        {"tracks": [track.name], "albums": [track.album.name], "genres": ["big room"], "limit": 3},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert track.spotify_id not in _ids(body["tracks"])
    assert track.album.spotify_id not in _ids(body["albums"])
    assert all(len(body[kind]) == 3 for kind in ("artists", "albums", "tracks"))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_genre_only_request(client, live):
    response = client.post(URL, {"genres": ["Hard Rock"], "resource_types": ["artists"]}, format="json")
    assert response.status_code == 200, response.content
    top = _genres_of(_ids(response.json()["artists"])[:5])
    assert sum("rock" in genres for genres in top) >= 4


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_names_nothing_knows_are_400(client, live):
    response = client.post(URL, {"artists": ["Nobody At All"]}, format="json")
    assert response.status_code == 400
    assert "None of the seeds matched" in response.json()["non_field_errors"][0]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_recommendations_for_me_and_for_a_profile_exclude_the_favourites(client, listener, live):
    green_day = Artist.objects.get(name="Green Day")
    avicii = Artist.objects.get(name="Avicii")
    MusicProfile.objects.create(
        user=listener,
        favorite_artists=[green_day.spotify_id, f"spotify:artist:{avicii.spotify_id}"],
        favorite_genres=["hard rock"],
    )
    me = client.get(ME_URL, {"limit": 20, "resource_types": "artists"})
    assert me.status_code == 200, me.content
    assert me.json()["tracks"] == []
    assert len(me.json()["artists"]) == 20
    assert {green_day.spotify_id, avicii.spotify_id}.isdisjoint(_ids(me.json()["artists"]))

    other = JukeUser.objects.create_user(username="friend", email="friend@example.com", password="x")
    friend_client = APIClient()
    friend_client.force_authenticate(other)
    response = friend_client.post(
        URL, {"profiles": ["listener"], "limit": 20, "resource_types": ["artists"]}, format="json"
    )
    assert response.status_code == 200
    assert _ids(response.json()["artists"]) == _ids(me.json()["artists"])


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_model_version_follows_a_retrain(client, live, engine_server):
    Track.objects.filter(id__in=Track.objects.values("id")[:3]).update(popularity=99)
    newer = model_retrain()
    refresh_engine(engine_server)
    assert ModelArtifact.objects.get(is_active=True).version == newer.artifact.version != live
    body = client.post(URL, {"artists": ["Avicii"], "limit": 2}, format="json").json()
    assert body["model_version"] == newer.artifact.version
