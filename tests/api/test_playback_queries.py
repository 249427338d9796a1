"""Playback reads and commands cost one query (the user's linked account) besides authentication (issue 13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories_auth import token_client
from tests.factories_playback import link_spotify, make_user

TRACK_URI = "spotify:track:1IXGILkPm0tOCNeq00kCPa"

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(api_client):
    user = make_user()
    link_spotify(user)
    api_client.force_authenticate(user)
    return user


def test_the_playback_state_is_one_query(api_client, listener, django_assert_num_queries):
    api_client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")

    with django_assert_num_queries(1):
        response = api_client.get("/api/v1/playback/state/")

    assert response.status_code == 200


def test_with_token_authentication_the_state_adds_one_query_to_authentication(listener):
    client, _ = token_client(listener)
    client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/playback/state/")

    assert response.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    playback = [statement for statement in sql if "social_auth_usersocialauth" in statement]
    authentication = [
        statement for statement in sql if "knox_authtoken" in statement or "juke_auth_jukeuser" in statement
    ]
    assert len(playback) == 1
    assert len(sql) == len(authentication) + 1, sql


def test_the_playback_state_request_is_at_most_two_queries(listener, django_assert_max_num_queries):
    client, _ = token_client(listener)

    with django_assert_max_num_queries(2):
        client.get("/api/v1/playback/state/")


@pytest.mark.parametrize(
    ("path", "body"),
    [("pause", {}), ("next", {}), ("previous", {}), ("seek", {"position_ms": 1000}), ("volume", {"volume_percent": 5}),
     ("shuffle", {"state": True}), ("repeat", {"state": "off"})],
)  # fmt: skip
def test_a_command_is_one_query(api_client, listener, django_assert_num_queries, path, body):
    api_client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")

    with django_assert_num_queries(1):
        response = api_client.post(f"/api/v1/playback/{path}/", body, format="json")

    assert response.status_code == 200, response.content


def test_the_device_list_is_one_query(api_client, listener, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert api_client.get("/api/v1/playback/devices/").status_code == 200


def test_a_token_refresh_adds_only_the_locked_read_and_the_write(api_client):
    user = make_user()
    link_spotify(user, auth_time=1)  # long expired: refreshed before the call
    api_client.force_authenticate(user)

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/playback/devices/")

    assert response.status_code == 200
    # The test's transaction turns the refresh's transaction into a savepoint: not a query of its own.
    sql = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert len(sql) == 3, sql
    assert "FOR UPDATE" in sql[1]
    assert sql[2].startswith("UPDATE")
