"""Query counts of the recommendation endpoints, through token authentication and a real engine (issue 13 goal 1).

By seed, 2: the token (with its user), then one UNION ALL of the active model's version and every seed lookup
with its stored vector (recommender.selectors.catalog_lookups_get). The engine sends each result's vector back,
so explaining the results (`because`) reads nothing.
`me`, 3 from the profile: the token, the taste state (the user with their music profile, their listens' version,
the count and last id of their likes, the active model's version: recommender.selectors.taste_state_get), then
the favourites' lookup. From listens (taste cached), 2: the token and the taste state. By users' tastes and
a seed, 3: the token, every named user's taste state (with the active model's version) in one query, the seed.
The taste state is the cached taste's key, so a new listen, like, favourite or model is seen by the next request
(it rebuilds the taste: more queries once, then 2 again).
"""

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Artist, Track
from juke_auth.models import JukeUser, MusicProfile
from listening.models import Like
from recommender.engine_client import EngineClient, EngineRecommendations, get_engine_client
from recommender.serializers import RecommendationResponseSerializer
from recommender.services.recommendations import recommendation_list, recommendation_list_for_user
from recommender.services.seeds import SeedRequest
from recommender.services.training import model_retrain
from tests.factories_auth import token_client
from tests.plugins.engine_server import refresh_engine
from tests.recommender_catalog import demo_catalog_create, listens_create

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ME_URL = "/api/v1/recommendations/me/"


@pytest.fixture
def live(engine_server, transactional_db):
    demo_catalog_create(step=3)
    model_retrain()
    refresh_engine(engine_server)
    return engine_server


@pytest.fixture
def listener(live) -> JukeUser:
    user = JukeUser.objects.create_user(username="counted", email="counted@example.com", password="x")
    artists = list(Artist.objects.order_by("id").values_list("spotify_id", flat=True)[:2])
    MusicProfile.objects.create(user=user, favorite_artists=artists, favorite_genres=["hard rock"])
    return user


def _queries(call) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), [q["sql"][:300] for q in captured.captured_queries]


def _me_queries(client) -> int:
    return _queries(lambda: client.get(ME_URL))[0]


def test_recommendations_by_seed_take_two_queries(listener):
    client, _ = token_client(listener)
    body = {"artists": ["Green Day"], "limit": 10}
    client.post("/api/v1/recommendations/", body, format="json")  # warm: the model in this process

    count, sql = _queries(lambda: client.post("/api/v1/recommendations/", body, format="json"))

    assert count == 2, sql


def test_recommendations_for_me_from_the_profile_take_three_queries(listener):
    client, _ = token_client(listener)
    client.get(ME_URL)

    count, sql = _queries(lambda: client.get(ME_URL))

    assert count == 3, sql


def test_recommendations_for_me_from_listens_take_two_queries(listener):
    listens_create(listener, Track.objects.order_by("id")[:20], times=2)
    client, _ = token_client(listener)
    client.get(ME_URL)

    count, sql = _queries(lambda: client.get(ME_URL))

    assert count == 2, sql


def test_recommendations_from_users_tastes_and_a_seed_take_three_queries(listener):
    listens_create(listener, Track.objects.order_by("id")[:20], times=2)
    friend = JukeUser.objects.create_user(username="friend", email="friend@example.com", password="x")
    MusicProfile.objects.create(user=friend, listens_public=True)
    listens_create(friend, Track.objects.order_by("-id")[:20], times=2)
    client, _ = token_client(listener)
    body = {"users": ["counted", "FRIEND"], "artists": ["Green Day"], "limit": 10}
    client.post("/api/v1/recommendations/", body, format="json")  # warm: the model and both tastes cached

    count, sql = _queries(lambda: client.post("/api/v1/recommendations/", body, format="json"))

    assert count == 3, sql  # the token, both users' taste states (with the model), the seed


def test_a_new_listen_like_or_favourite_is_seen_by_the_next_request(listener):
    listens_create(listener, Track.objects.order_by("id")[:20], times=2)
    client, _ = token_client(listener)
    client.get(ME_URL)
    assert _me_queries(client) == 2

    listens_create(listener, Track.objects.order_by("-id")[:1], days_ago=0.1)
    assert _me_queries(client) > 2  # the taste is rebuilt with the new listen
    assert _me_queries(client) == 2

    Like.objects.create(user=listener, artist=Artist.objects.order_by("-id").first())
    assert _me_queries(client) > 2
    assert _me_queries(client) == 2

    MusicProfile.objects.filter(user=listener).update(favorite_genres=["edm"])
    assert _me_queries(client) > 2
    assert _me_queries(client) == 2


def test_a_new_model_is_seen_by_the_next_request_by_seed_and_for_me(listener, live):
    listens_create(listener, Track.objects.order_by("id")[:20], times=2)
    client, _ = token_client(listener)
    client.get(ME_URL)
    Track.objects.filter(id__in=Track.objects.values("id")[:3]).update(popularity=99)
    newer = model_retrain().artifact.version
    refresh_engine(live)

    assert _me_queries(client) > 2  # a new model: the taste is rebuilt in its space
    me = client.get(ME_URL).json()
    by_seed = client.post("/api/v1/recommendations/", {"artists": ["Green Day"]}, format="json").json()

    assert me["model_version"] == by_seed["model_version"] == newer


class _EngineWithoutVectors(EngineClient):
    """The real engine, its answer stripped of the results' vectors (an engine that does not send them)."""

    def recommend(self, **request) -> EngineRecommendations:
        answer = super().recommend(**request)
        strip = {kind: [dataclasses.replace(item, vector=None) for item in getattr(answer, kind)] for kind in
                 ("artists", "albums", "tracks")}  # fmt: skip
        return dataclasses.replace(answer, **strip)


def _shown(recommendations) -> dict:
    data = dict(RecommendationResponseSerializer(recommendations).data)
    data.pop("generated_at")
    return data


def test_because_from_the_engines_vectors_equals_because_from_the_stored_vectors(listener):
    configured = get_engine_client()
    without = _EngineWithoutVectors(base_url=configured.base_url, timeout=configured.timeout)
    seeds = SeedRequest(artists=["Green Day", "Avicii"], genres=["hard rock"])
    listens_create(listener, Track.objects.order_by("id")[:20], times=2)

    by_seed = _shown(recommendation_list(request=seeds, limit=20))
    with CaptureQueriesContext(connection) as fallback:
        assert _shown(recommendation_list(request=seeds, limit=20, client=without)) == by_seed
    me = _shown(recommendation_list_for_user(user=listener, limit=20))
    assert _shown(recommendation_list_for_user(user=listener, limit=20, client=without)) == me

    assert sum(item["because"] is not None for item in by_seed["artists"] + me["artists"]) >= 30
    assert len(fallback.captured_queries) == 2  # seeds and model, then every type's vectors in one query
