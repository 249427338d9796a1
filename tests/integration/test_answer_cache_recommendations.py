"""Recommendations by catalog seeds answered from Redis until the catalog or the model changes (core.answer_cache),
with a real engine; seeds that are people's taste or favourites are never kept."""

import os
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Artist
from juke_auth.models import JukeUser
from recommender.services.training import model_retrain
from tests.factories_auth import token_client
from tests.plugins.engine_server import refresh_engine
from tests.recommender_catalog import demo_catalog_create

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
URL = "/api/v1/recommendations/"


@pytest.fixture
def client(engine_server, transactional_db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": os.environ.get("JUKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "KEY_PREFIX": uuid.uuid4().hex,
        }
    }
    settings.ANSWER_CACHE_SECONDS = 60
    demo_catalog_create(step=3)
    model_retrain()
    refresh_engine(engine_server)
    user = JukeUser.objects.create_user(username="seeker", email="seeker@example.com", password="x-Juke-2026!")
    return token_client(user)[0]


def _post(client, body):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, body, format="json")
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def test_the_same_seeds_are_answered_with_the_token_query_alone(client):
    body = {"artists": ["Green Day"], "limit": 5}
    first, _ = _post(client, body)

    again, queries = _post(client, body)

    assert queries == 1
    assert again == first


def test_a_catalog_change_is_seen_by_the_next_answer(client):
    body = {"artists": ["Green Day"], "limit": 5}
    _post(client, body)
    Artist.objects.filter(name="Green Day").update(name="Green Day (renamed)")

    _, queries = _post(client, body)

    assert queries > 1  # computed again: the old answer named an artist that no longer exists


def test_answers_for_a_users_taste_are_never_kept(client):
    body = {"users": ["seeker"], "artists": ["Green Day"], "limit": 5}
    _post(client, body)

    _, queries = _post(client, body)

    assert queries > 1


def test_invalid_seeds_are_still_refused_after_a_kept_answer(client):
    _post(client, {"artists": ["Green Day"], "limit": 5})

    response = client.post(URL, {"artists": ["Green Day"], "limit": 500}, format="json")

    assert response.status_code == 400
