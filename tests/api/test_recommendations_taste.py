"""Taste-based recommendations through the API and a real engine: /me modes, users seeds, similar items, uri/because."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Artist, Genre, Track
from juke_auth.models import JukeUser, MusicProfile
from recommender.services.training import model_retrain
from tests.plugins.engine_server import refresh_engine
from tests.recommender_catalog import demo_catalog_create, listens_create

ME_URL = "/api/v1/recommendations/me/"
URL = "/api/v1/recommendations/"

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _tracks_of_genre(genre: str, count: int) -> list[Track]:
    return list(Track.objects.filter(artists__genres__name=genre).distinct().order_by("id")[:count])


def _user(name: str) -> JukeUser:
    return JukeUser.objects.create_user(username=name, email=f"{name}@example.com", password="x")


def _client(user: JukeUser) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def live(engine_server, transactional_db):
    """The demo catalog, ten listeners in two crowds (rock, edm), a model trained on them, loaded by the engine."""
    demo_catalog_create(step=3)
    rock, edm = _tracks_of_genre("rock", 40), _tracks_of_genre("edm", 40)
    for n in range(5):
        listens_create(_user(f"rocker{n}"), rock[n * 5 : n * 5 + 15], times=3)
        listens_create(_user(f"raver{n}"), edm[n * 5 : n * 5 + 15], times=3)
    model_retrain()
    refresh_engine(engine_server)
    return {"rock": rock, "edm": edm}


def _ids(items) -> list[str]:
    return [item["extra"]["spotify_id"] for item in items]


def _genres(spotify_ids) -> list[set[str]]:
    return [set(Genre.objects.filter(artists__spotify_id=s).values_list("name", flat=True)) for s in spotify_ids]


def test_me_recommends_from_what_i_play_and_says_why(live):
    me = _user("listener")
    listens_create(me, live["rock"][:12], times=2)
    response = _client(me).get(ME_URL, {"resource_types": "artists", "limit": 5, "mode": "familiar"})
    assert response.status_code == 200, response.content
    artists = response.json()["artists"]
    assert len(artists) == 5
    assert sum("rock" in genres for genres in _genres(_ids(artists))) >= 4
    played_uris = {f"juke:track:{t.spotify_id}" for t in live["rock"][:12]}
    played_uris |= {f"juke:artist:{a.spotify_id}" for a in Artist.objects.filter(tracks__in=live["rock"][:12])}
    played_uris |= {f"juke:album:{t.album.spotify_id}" for t in live["rock"][:12] if t.album}
    for item in artists:
        assert item["uri"] == f"juke:artist:{item['extra']['spotify_id']}"
        assert item["because"]["uri"] in played_uris
        assert item["because"]["type"] in ("artist", "album", "track")


def test_discover_leaves_out_what_i_play_often_and_familiar_keeps_it(live):
    me = _user("regular")
    often = live["edm"][:15]
    listens_create(me, often, times=4)
    client = _client(me)
    familiar = client.get(ME_URL, {"resource_types": "tracks", "limit": 50, "mode": "familiar"}).json()["tracks"]
    discover = client.get(ME_URL, {"resource_types": "tracks", "limit": 50}).json()["tracks"]
    often_ids = {track.spotify_id for track in often}
    assert often_ids & set(_ids(familiar))
    assert not often_ids & set(_ids(discover))
    assert len(discover) == 50


def test_an_invalid_mode_is_a_400(live):
    response = _client(_user("someone")).get(ME_URL, {"mode": "shuffle"})
    assert response.status_code == 400
    assert response.json() == {"mode": ['"shuffle" is not a valid choice.']}


def test_users_seeds_need_the_users_consent(live):
    friend, me = JukeUser.objects.get(username="rocker0"), _user("asker")
    client = _client(me)
    refused = client.post(URL, {"users": ["rocker0"], "resource_types": ["artists"]}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"users": ["'rocker0' is not a user who shares their listening with you."]}
    MusicProfile.objects.create(user=friend, listens_public=True)
    shared = client.post(URL, {"users": ["rocker0"], "resource_types": ["artists"], "limit": 5}, format="json")
    assert shared.status_code == 200, shared.content
    assert sum("rock" in genres for genres in _genres(_ids(shared.json()["artists"]))) >= 4
    own = _client(friend).post(URL, {"users": ["rocker0"], "limit": 3}, format="json")
    assert own.status_code == 200


def test_similar_artists_by_id_or_spotify_id_and_404_for_unknown(live):
    artist = Artist.objects.filter(tracks__in=live["edm"][:5]).first()
    client = _client(_user("curious"))
    by_id = client.get(f"/api/v1/artists/{artist.id}/similar/", {"limit": 5})
    assert by_id.status_code == 200, by_id.content
    body = by_id.json()
    assert body["tracks"] == []
    assert body["albums"] == []
    assert len(body["artists"]) == 5
    assert artist.spotify_id not in _ids(body["artists"])
    assert all(item["because"]["uri"] == f"juke:artist:{artist.spotify_id}" for item in body["artists"])
    by_spotify_id = client.get(f"/api/v1/artists/{artist.spotify_id}/similar/", {"limit": 5}).json()
    assert _ids(by_spotify_id["artists"]) == _ids(body["artists"])
    track = live["rock"][0]
    tracks = client.get(f"/api/v1/tracks/{track.id}/similar/").json()["tracks"]
    assert len(tracks) == 10
    assert track.spotify_id not in _ids(tracks)
    missing = client.get("/api/v1/artists/999999999/similar/")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Not found."


def test_a_recommendation_uri_is_accepted_back_as_a_seed(live):
    me = _user("looper")
    listens_create(me, live["rock"][:5], times=1)
    first = _client(me).get(ME_URL, {"limit": 1, "resource_types": "albums"}).json()["albums"][0]
    response = _client(me).post(URL, {"seeds": [first["uri"]], "limit": 3}, format="json")
    assert response.status_code == 200, response.content
    assert first["extra"]["spotify_id"] not in _ids(response.json()["albums"])
    assert response.json()["albums"][0]["because"]["uri"] == first["uri"]


def test_a_profile_with_only_unknown_genres_gets_what_is_popular_in_them(live):
    me = _user("newcomer")
    Genre.objects.get_or_create(name="sea shanty")
    shanty = Artist.objects.order_by("-popularity").first()
    shanty.genres.add(Genre.objects.get(name="sea shanty"))
    MusicProfile.objects.create(user=me, favorite_genres=["sea shanty"])
    response = _client(me).get(ME_URL, {"resource_types": "artists"})
    assert response.status_code == 200, response.content
    assert _ids(response.json()["artists"]) == [shanty.spotify_id]
