"""The ListenBrainz API under /1/ through the test client: delete-listen, listen-count, latest-import,
rate limits (X-RateLimit-* and 429) and CORS, each as ListenBrainz answers them."""

import json
import os
import uuid
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from listening.models import LatestImport, Listen, recording_msid_for
from listening.services.ingest import ListenInput, listen_fingerprint, listens_ingest
from tests.factories_auth import MusicProfileFactory, UserFactory, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

T0 = 1_700_000_000
FOREIGN_ORIGIN = "https://scrobbler.example.org"


@pytest.fixture
def scrobbler():
    """A user, and a client that sends their token the way scrobblers do (Authorization: Token ...)."""
    user = UserFactory()
    _, key = token_client(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return user, client


def ingest(user, *songs: tuple[int, str, str]) -> None:
    listens = [
        ListenInput(listened_at=datetime.fromtimestamp(ts, tz=UTC), artist_name=artist, track_name=track)
        for ts, artist, track in songs
    ]
    listens_ingest(user=user, listens=listens, source="scrobbler")


def post_json(client, path, body, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def msid(artist: str, track: str) -> str:
    return str(recording_msid_for(listen_fingerprint(artist_name=artist, track_name=track)))


def test_time_bounds_past_year_9999_read_as_no_bound_and_the_end_of_time(scrobbler):
    user, client = scrobbler
    ingest(user, (T0, "Dool", "Vantablack"))
    far = 10**23

    unbounded = client.get(f"/1/user/{user.username}/listens", {"max_ts": far})
    after_the_end = client.get(f"/1/user/{user.username}/listens", {"min_ts": far})

    assert unbounded.status_code == 200
    assert [listen["listened_at"] for listen in unbounded.json()["payload"]["listens"]] == [T0]
    assert after_the_end.status_code == 200
    assert after_the_end.json()["payload"]["listens"] == []


# --- delete-listen ---------------------------------------------------------------------------------------


def test_listens_carry_a_recording_msid_that_names_the_song_not_the_spelling(scrobbler):
    user, client = scrobbler
    ingest(user, (T0, "Dool", "Vantablack"), (T0 + 600, "DOOL", "vantablack!"))

    listens = client.get(f"/1/user/{user.username}/listens").json()["payload"]["listens"]

    assert [listen["recording_msid"] for listen in listens] == [msid("Dool", "Vantablack")] * 2
    assert uuid.UUID(listens[0]["recording_msid"])


def test_delete_listen_removes_exactly_that_listen_of_that_user(scrobbler):
    user, client = scrobbler
    other = UserFactory()
    ingest(user, (T0, "Dool", "Vantablack"), (T0, "Dool", "Oweynagat"), (T0 + 300, "Dool", "Vantablack"))
    ingest(other, (T0, "Dool", "Vantablack"))
    [target] = [
        listen
        for listen in client.get(f"/1/user/{user.username}/listens").json()["payload"]["listens"]
        if listen["listened_at"] == T0 and listen["track_metadata"]["track_name"] == "Vantablack"
    ]

    response = post_json(client, "/1/delete-listen", {"listened_at": T0, "recording_msid": target["recording_msid"]})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    left = set(Listen.objects.filter(user=user).values_list("listened_at", "track_name"))
    assert left == {
        (datetime.fromtimestamp(T0, tz=UTC), "Oweynagat"),
        (datetime.fromtimestamp(T0 + 300, tz=UTC), "Vantablack"),
    }
    assert Listen.objects.filter(user=other).count() == 1


def test_deleting_a_listen_that_is_not_there_is_ok_like_listenbrainz(scrobbler):
    user, client = scrobbler
    ingest(user, (T0, "Dool", "Vantablack"))

    response = post_json(
        client, "/1/delete-listen", {"listened_at": T0 + 1, "recording_msid": msid("Dool", "Vantablack")}
    )

    assert response.json() == {"status": "ok"}
    assert Listen.objects.filter(user=user).count() == 1


def test_delete_listen_drops_the_cached_stats(scrobbler):
    user, client = scrobbler
    ingest(user, (T0, "Dool", "Vantablack"))
    week = "/api/v1/listens/stats/?range=all_time"
    assert client.get(week).json()["listen_count"] == 1

    post_json(client, "/1/delete-listen", {"listened_at": T0, "recording_msid": msid("Dool", "Vantablack")})

    assert client.get(week).json()["listen_count"] == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"recording_msid": str(uuid.uuid4())}, "Listen timestamp missing."),
        ({"listened_at": "soon", "recording_msid": str(uuid.uuid4())}, "soon: Listen timestamp invalid."),
        ({"listened_at": T0}, "Recording MSID missing."),
        ({"listened_at": T0, "recording_msid": "not-a-uuid"}, "not-a-uuid: Recording MSID format invalid."),
        ([1, 2], "Invalid JSON document submitted."),
    ],
)
def test_delete_listen_refuses_a_malformed_body_with_listenbrainz_messages(scrobbler, body, message):
    _, client = scrobbler
    response = post_json(client, "/1/delete-listen", body)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "error": message}


def test_delete_listen_needs_a_valid_token():
    body = {"listened_at": T0, "recording_msid": str(uuid.uuid4())}
    assert post_json(APIClient(), "/1/delete-listen", body).json() == {
        "code": 401,
        "error": "You need to provide an Authorization header.",
    }
    response = post_json(APIClient(), "/1/delete-listen", body, HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert response.json()["error"] == "Invalid authorization token."


# --- listen-count ----------------------------------------------------------------------------------------


def test_listen_count_counts_the_users_listens(scrobbler):
    user, client = scrobbler
    ingest(user, *[(T0 + n * 300, "Band", f"Song {n}") for n in range(7)])
    ingest(UserFactory(), (T0, "Band", "Song 0"))

    response = client.get(f"/1/user/{user.username}/listen-count")

    assert response.status_code == 200
    assert response.json() == {"payload": {"count": 7}}


def test_listen_count_keeps_private_listens_private_and_unknown_users_unknown():
    private, public = UserFactory(), MusicProfileFactory(listens_public=True).user
    anonymous = APIClient()

    assert anonymous.get(f"/1/user/{private.username}/listen-count").status_code == 403
    assert anonymous.get(f"/1/user/{public.username}/listen-count").json() == {"payload": {"count": 0}}
    missing = anonymous.get("/1/user/nobody-here/listen-count")
    assert missing.status_code == 404
    assert missing.json() == {"code": 404, "error": "Cannot find user: nobody-here"}


# --- latest-import ---------------------------------------------------------------------------------------


def test_latest_import_is_zero_until_set_and_never_moves_back(scrobbler):
    user, client = scrobbler
    url = f"/1/latest-import?user_name={user.username}"
    assert client.get(url).json() == {"musicbrainz_id": user.username, "latest_import": 0}

    assert post_json(client, "/1/latest-import", {"ts": T0}).json() == {"status": "ok"}
    assert client.get(url).json()["latest_import"] == T0
    post_json(client, "/1/latest-import", {"ts": T0 - 1000})
    assert client.get(url).json()["latest_import"] == T0
    post_json(client, "/1/latest-import", {"ts": str(T0 + 5)})
    assert client.get(url).json()["latest_import"] == T0 + 5


@pytest.mark.parametrize("body", [b"{nope", b"[]", b'{"ts": "later"}', b'{"ts": true}'])
def test_latest_import_refuses_what_is_not_a_timestamp(scrobbler, body):
    _, client = scrobbler
    response = client.post("/1/latest-import", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": 400, "error": "Invalid data sent"}


def test_setting_latest_import_needs_a_token_and_reading_it_follows_listen_privacy(scrobbler):
    user, _ = scrobbler
    anonymous = APIClient()
    assert post_json(anonymous, "/1/latest-import", {"ts": T0}).status_code == 401
    assert anonymous.get(f"/1/latest-import?user_name={user.username}").status_code == 403
    assert anonymous.get("/1/latest-import?user_name=nobody-here").status_code == 404


# --- rate limits -----------------------------------------------------------------------------------------


def test_every_answer_tells_the_rate_limit_the_listenbrainz_way(scrobbler, settings):
    user, client = scrobbler
    settings.LISTENBRAINZ_THROTTLE_RATES = {"token": "5/10s", "address": "3/10s"}

    first = client.get(f"/1/user/{user.username}/listen-count")
    second = client.get(f"/1/user/{user.username}/listens")

    assert first["X-RateLimit-Limit"] == "5"
    assert (first["X-RateLimit-Remaining"], second["X-RateLimit-Remaining"]) == ("4", "3")
    assert 1 <= int(second["X-RateLimit-Reset-In"]) <= 10
    assert int(second["X-RateLimit-Reset"]) - int(second["X-RateLimit-Reset-In"]) == pytest.approx(
        datetime.now(UTC).timestamp(), abs=2
    )


def test_past_the_limit_the_answer_is_429_with_a_listenbrainz_body(scrobbler, settings):
    user, client = scrobbler
    settings.LISTENBRAINZ_THROTTLE_RATES = {"token": "2/10s", "address": "3/10s"}
    for _ in range(2):
        assert client.get(f"/1/user/{user.username}/listen-count").status_code == 200

    refused = post_json(client, "/1/latest-import", {"ts": T0})

    assert refused.status_code == 429
    assert refused.json()["code"] == 429
    assert refused.json()["error"].startswith("You have exceeded your rate limit.")
    assert refused["X-RateLimit-Remaining"] == "0"
    assert refused["Retry-After"] == refused["X-RateLimit-Reset-In"]
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert not LatestImport.objects.filter(user=user).exists()


def test_a_valid_token_gets_its_own_budget_apart_from_the_address(scrobbler, settings):
    user, client = scrobbler
    settings.LISTENBRAINZ_THROTTLE_RATES = {"token": "5/10s", "address": "1/10s"}
    anonymous = APIClient()
    public = MusicProfileFactory(listens_public=True).user
    assert anonymous.get(f"/1/user/{public.username}/listen-count").status_code == 200
    assert anonymous.get(f"/1/user/{public.username}/listen-count").status_code == 429
    # The same address with a bad token is still the address; with a valid one, the token's user.
    bad = anonymous.get(f"/1/user/{public.username}/listen-count", HTTP_AUTHORIZATION="Token nope")
    assert bad.status_code == 429

    answer = client.get(f"/1/user/{user.username}/listen-count")

    assert answer.status_code == 200
    assert answer["X-RateLimit-Limit"] == "5"


def test_preflight_requests_are_not_counted(scrobbler, settings):
    user, client = scrobbler
    settings.LISTENBRAINZ_THROTTLE_RATES = {"token": "1/10s", "address": "1/10s"}
    for _ in range(3):
        assert APIClient().options("/1/submit-listens").status_code == 200
    assert client.get(f"/1/user/{user.username}/listen-count").status_code == 200


def test_the_limit_is_counted_in_redis(scrobbler, settings):
    """The counters live in the shared cache (Redis in production), so every worker process sees them."""
    user, client = scrobbler
    url = os.environ.get("JUKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": url, "KEY_PREFIX": f"lb-{uuid.uuid4()}"}
    }
    settings.LISTENBRAINZ_THROTTLE_RATES = {"token": "2/10s", "address": "2/10s"}

    statuses = [client.get(f"/1/user/{user.username}/listen-count").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert cache.get(f"throttle_listenbrainz_user-{user.pk}") is not None


# --- CORS ------------------------------------------------------------------------------------------------


def test_a_browser_scrobbler_on_any_origin_gets_its_preflight_answered():
    response = APIClient().options(
        "/1/submit-listens",
        HTTP_ORIGIN=FOREIGN_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"POST", "OPTIONS"}
    assert response["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert "Access-Control-Allow-Credentials" not in response


def test_listenbrainz_answers_let_the_browser_read_the_rate_limit(scrobbler):
    user, client = scrobbler
    response = client.get(f"/1/user/{user.username}/listens", HTTP_ORIGIN=FOREIGN_ORIGIN)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-RateLimit-Remaining" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_the_rest_of_the_api_stays_closed_to_other_origins(settings):
    preflight = APIClient().options(
        "/api/v1/listens/", HTTP_ORIGIN=FOREIGN_ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in preflight
    own = APIClient().options(
        "/api/v1/listens/", HTTP_ORIGIN=settings.FRONTEND_URL, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert own["Access-Control-Allow-Origin"] == settings.FRONTEND_URL
    assert own["Access-Control-Allow-Credentials"] == "true"
