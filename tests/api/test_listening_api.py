"""/api/v1/listens/ and /api/v1/likes/ through the test client."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from listening.models import Like, Listen
from listening.services.ingest import ListenInput, listens_ingest
from tests.factories_auth import UserFactory, token_client
from tests.factories_catalog import AlbumFactory, ArtistFactory, GenreFactory, TrackFactory

# The /1/ tests count against the ListenBrainz rate limits, kept in the cache: every test starts afresh.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def signed_in():
    user = UserFactory()
    client, _ = token_client(user)
    return user, client


def submit(client, listen_type, payload):
    return client.post(
        "/api/v1/listens/",
        data=json.dumps({"listen_type": listen_type, "payload": payload}),
        content_type="application/json",
    )


def lb_listen(ts, artist="Dool", track="Vantablack", **info):
    return {"listened_at": ts, "track_metadata": {"artist_name": artist, "track_name": track, "additional_info": info}}


def seed(user, count, *, start=None, **fields):
    start = start or datetime(2026, 11, 1, tzinfo=UTC)
    listens = [
        ListenInput(
            listened_at=start + timedelta(minutes=5 * n),
            artist_name=fields.get("artist_name", "Band"),
            track_name=fields.get("track_name", f"Song {n}"),
            duration_ms=fields.get("duration_ms"),
        )
        for n in range(count)
    ]
    listens_ingest(user=user, listens=listens, source="import")


def test_submitting_listens_reports_new_and_duplicate_listens(signed_in):
    user, client = signed_in
    now = int(time.time())
    payload = [lb_listen(now - 600), lb_listen(now - 300, track="Other")]

    first = submit(client, "import", payload)
    second = submit(client, "import", payload)

    assert first.status_code == 200
    assert first.json() == {"status": "ok", "received": 2, "created": 2, "matched": 0}
    assert second.json()["created"] == 0
    assert Listen.objects.filter(user=user).count() == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"listen_type": "single", "payload": []}, "JSON document does not contain any listens"),
        (
            {"listen_type": "loop", "payload": [lb_listen(1700000000)]},
            "JSON document requires a valid listen_type key.",
        ),
        ({"listen_type": "single", "payload": [lb_listen(1000)]}, "Value for key listened_at is too low."),
        (
            {"listen_type": "single", "payload": [{"track_metadata": {"artist_name": "a", "track_name": "b"}}]},
            "JSON document must contain the key listened_at at the top level.",
        ),
        (
            {"listen_type": "playing_now", "payload": [lb_listen(1700000000)]},
            "JSON document must not contain listened_at while submitting playing_now.",
        ),
        (
            {"listen_type": "single", "payload": [lb_listen(1700000000, recording_mbid="nope")]},
            "recording_mbid MBID format invalid.",
        ),
        # PostgreSQL stores no U+0000 (in text or jsonb), no NaN/Infinity in jsonb, no duration over an integer.
        ({"listen_type": "single", "payload": [lb_listen(1700000000, "Do\x00ol")]}, "Do\x00ol contains a unicode null"),
        ({"listen_type": "single", "payload": [lb_listen(1700000000, note="\x00")]}, "\x00 contains a unicode null"),
        ({"listen_type": "single", "payload": [lb_listen(1700000000, rating=float("nan"))]}, "Cannot parse JSON"),
        ({"listen_type": "single", "payload": [lb_listen(1700000000, duration_ms=float("inf"))]}, "Cannot parse JSON"),
        (
            {"listen_type": "single", "payload": [lb_listen(1700000000, duration_ms=10**20)]},
            "Value for duration_ms is too large, max permitted value is 2073600000",
        ),
        (
            {"listen_type": "single", "payload": [lb_listen(1700000000, duration="long")]},
            "Value for duration is invalid, should be a positive integer.",
        ),
        (
            {"listen_type": "single", "payload": [lb_listen(1700000000, duration=200, duration_ms=200000)]},
            "JSON document should not contain both duration and duration_ms.",
        ),
    ],
)
def test_a_bad_submission_is_a_json_400_naming_the_problem(signed_in, body, message):
    _, client = signed_in
    response = client.post("/api/v1/listens/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


@pytest.mark.parametrize("raw", [b'{"x": 1e400}', b'{"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"])
def test_numbers_out_of_range_and_nesting_too_deep_are_unparseable_json(signed_in, raw):
    _, client = signed_in
    response = client.post("/api/v1/listens/", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Cannot parse JSON document")


def test_a_duration_given_as_digits_is_stored_in_milliseconds(signed_in):
    user, client = signed_in
    response = submit(client, "single", [lb_listen(1700000000, duration="215")])
    assert response.status_code == 200, response.content
    assert Listen.objects.get(user=user).duration_ms == 215_000


def test_listenbrainz_errors_have_listenbrainz_shape(signed_in):
    user, _ = signed_in
    _, key = token_client(user)
    client = APIClient()
    response = client.post(
        "/1/submit-listens", data=b"{not json", content_type="text/plain", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 400
    assert response.json()["code"] == 400
    assert response.json()["error"].startswith("Cannot parse JSON document")
    assert client.post("/1/submit-listens", data=b"{}", content_type="application/json").json() == {
        "code": 401,
        "error": "You need to provide an Authorization header.",
    }


def test_import_of_more_than_1000_listens_is_refused(signed_in):
    _, client = signed_in
    payload = [lb_listen(1700000000 + n, track=f"t{n}") for n in range(1001)]
    response = submit(client, "import", payload)
    assert response.status_code == 400
    assert "1000" in response.json()["detail"]


def test_history_pages_newest_first_with_a_cursor(signed_in):
    user, client = signed_in
    seed(user, 7)

    seen = []
    url = "/api/v1/listens/?limit=3"
    while url:
        page = client.get(url).json()
        seen += [item["track_name"] for item in page["results"]]
        url = page["next"]

    assert seen == [f"Song {n}" for n in range(6, -1, -1)]


def test_listens_of_the_same_second_are_neither_lost_nor_repeated_across_pages(signed_in):
    user, client = signed_in
    same_time = datetime(2026, 11, 1, tzinfo=UTC)
    listens_ingest(
        user=user,
        listens=[ListenInput(listened_at=same_time, artist_name="A", track_name=f"T{n}") for n in range(5)],
        source="import",
    )
    first = client.get("/api/v1/listens/?limit=2").json()
    rest = client.get(first["next"]).json()
    rest2 = client.get(rest["next"]).json()
    names = [item["track_name"] for page in (first, rest, rest2) for item in page["results"]]
    assert sorted(names) == [f"T{n}" for n in range(5)]
    assert len(names) == 5


def test_a_forged_cursor_is_a_400(signed_in):
    _, client = signed_in
    response = client.get("/api/v1/listens/?cursor=%%%bad")
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_history_shows_only_your_own_listens(signed_in):
    _user, client = signed_in
    seed(UserFactory(), 3)
    assert client.get("/api/v1/listens/").json()["results"] == []


def test_unauthenticated_requests_get_401():
    client = APIClient()
    for method, url in [("get", "/api/v1/listens/"), ("get", "/api/v1/listens/stats/"), ("get", "/api/v1/likes/")]:
        assert getattr(client, method)(url).status_code == 401


def test_deleting_one_listen_only_works_on_your_own(signed_in):
    user, client = signed_in
    other = UserFactory()
    seed(user, 1)
    seed(other, 1)
    mine = Listen.objects.get(user=user)
    theirs = Listen.objects.get(user=other)

    assert client.delete(f"/api/v1/listens/{theirs.pk}/").status_code == 404
    assert client.delete(f"/api/v1/listens/{mine.pk}/").status_code == 204
    assert not Listen.objects.filter(user=user).exists()
    assert Listen.objects.filter(pk=theirs.pk).exists()


def test_deleting_all_listens_needs_the_confirmation(signed_in):
    user, client = signed_in
    seed(user, 4)
    seed(UserFactory(), 2)

    refused = client.delete("/api/v1/listens/")
    assert refused.status_code == 400
    assert Listen.objects.filter(user=user).count() == 4

    done = client.delete("/api/v1/listens/?confirm=all")
    assert done.json() == {"deleted": 4}
    assert Listen.objects.count() == 2


def test_stats_count_artists_tracks_albums_genres_time_and_days(signed_in):
    user, client = signed_in
    genre = GenreFactory(name="shoegaze")
    artist = ArtistFactory(name="Slowdive", genres=[genre])
    album = AlbumFactory(name="Souvlaki")
    track = TrackFactory(name="Alison", album=album, artists=[artist], duration_ms=230_000)
    now = datetime.now(tz=UTC)
    listens = [
        ListenInput(listened_at=now - timedelta(days=1, minutes=n * 5), artist_name="Slowdive", track_name="Alison")
        for n in range(3)
    ] + [
        ListenInput(
            listened_at=now - timedelta(days=2),
            artist_name="Other",
            track_name="Song",
            release_name="LP",
            duration_ms=1000,
        ),
        ListenInput(listened_at=now - timedelta(days=100), artist_name="Old", track_name="Gone"),
    ]
    listens_ingest(user=user, listens=listens, source="import")

    stats = client.get("/api/v1/listens/stats/?range=week").json()

    assert stats["listen_count"] == 4
    assert stats["total_listening_ms"] == 3 * 230_000 + 1000
    assert stats["top_artists"][0] == {"artist_name": "Slowdive", "count": 3}
    assert stats["top_tracks"][0] == {
        "artist_name": "Slowdive",
        "track_name": "Alison",
        "track_id": track.pk,
        "count": 3,
    }
    assert {"artist_name": "Slowdive", "album_name": "Souvlaki", "count": 3} in stats["top_albums"]
    assert {"artist_name": "Other", "album_name": "LP", "count": 1} in stats["top_albums"]
    assert stats["top_genres"] == [{"genre": "shoegaze", "count": 3}]
    assert sum(day["count"] for day in stats["listens_per_day"]) == 4
    assert client.get("/api/v1/listens/stats/?range=all_time").json()["listen_count"] == 5


def test_stats_refuse_an_unknown_range(signed_in):
    _, client = signed_in
    response = client.get("/api/v1/listens/stats/?range=decade")
    assert response.status_code == 400
    assert "range" in response.json()


@pytest.mark.parametrize("kind", ["tracks", "albums", "artists"])
def test_liking_is_idempotent_and_unliking_removes_it(signed_in, kind):
    user, client = signed_in
    item = {"tracks": TrackFactory, "albums": AlbumFactory, "artists": ArtistFactory}[kind]()
    url = f"/api/v1/likes/{kind}/{item.spotify_id}/"

    assert client.put(url).status_code == 201
    assert client.put(url).status_code == 200
    listed = client.get("/api/v1/likes/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["spotify_id"] == item.spotify_id
    assert listed["results"][0]["type"] == kind[:-1]
    assert listed["results"][0]["source"] == "juke"

    assert client.delete(url).status_code == 204
    assert not Like.objects.filter(user=user).exists()


def test_likes_can_be_listed_by_type(signed_in):
    _, client = signed_in
    track, album, artist = TrackFactory(), AlbumFactory(), ArtistFactory()
    for kind, item in (("tracks", track), ("albums", album), ("artists", artist)):
        assert client.put(f"/api/v1/likes/{kind}/{item.spotify_id}/").status_code == 201

    assert client.get("/api/v1/likes/").json()["count"] == 3
    assert client.get("/api/v1/likes/?type=").json()["count"] == 3
    for kind, item in (("track", track), ("album", album), ("artist", artist)):
        listed = client.get(f"/api/v1/likes/?type={kind}").json()
        assert [(like["type"], like["spotify_id"]) for like in listed["results"]] == [(kind, item.spotify_id)]


def test_likes_refuse_an_unknown_type(signed_in):
    _, client = signed_in
    response = client.get("/api/v1/likes/?type=playlist")
    assert response.status_code == 400
    assert "type" in response.json()


def test_liking_an_unknown_item_is_a_404_with_a_message(signed_in):
    _, client = signed_in
    response = client.put("/api/v1/likes/tracks/0000000000000000000000/")
    assert response.status_code == 404
    assert "Spotify id" in response.json()["detail"]


def test_stats_follow_new_and_deleted_listens_at_once(signed_in):
    user, client = signed_in
    seed(user, 2, start=datetime.now(tz=UTC) - timedelta(hours=1))
    assert client.get("/api/v1/listens/stats/?range=week").json()["listen_count"] == 2

    seed(user, 3, start=datetime.now(tz=UTC) - timedelta(hours=2), track_name="New")
    assert client.get("/api/v1/listens/stats/?range=week").json()["listen_count"] == 5

    client.delete("/api/v1/listens/?confirm=all")
    assert client.get("/api/v1/listens/stats/?range=week").json()["listen_count"] == 0


def test_making_listens_public_lets_others_read_them_and_private_again_hides_them(signed_in):
    owner, owner_client = signed_in
    seed(owner, 2)
    reader = APIClient()

    assert owner_client.get("/api/v1/listens/visibility/").json() == {"listens_public": False}
    assert reader.get(f"/1/user/{owner.username}/listens").status_code == 403

    assert owner_client.put("/api/v1/listens/visibility/", {"listens_public": True}, format="json").status_code == 200
    assert reader.get(f"/1/user/{owner.username}/listens").json()["payload"]["count"] == 2

    owner_client.put("/api/v1/listens/visibility/", {"listens_public": False}, format="json")
    assert reader.get(f"/1/user/{owner.username}/playing-now").status_code == 403


def test_visibility_needs_a_boolean(signed_in):
    _, client = signed_in
    response = client.put("/api/v1/listens/visibility/", {"listens_public": "perhaps"}, format="json")
    assert response.status_code == 400
    assert "listens_public" in response.json()


def test_a_body_over_the_upload_limit_is_a_json_413_on_both_apis(signed_in, settings):
    user, client = signed_in
    _, key = token_client(user)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps(
        {"listen_type": "import", "payload": [lb_listen(1700000000 + n, track=f"t{n}") for n in range(20)]}
    )

    ours = client.post("/api/v1/listens/", data=body, content_type="application/json")
    theirs = APIClient().post(
        "/1/submit-listens", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )

    assert ours.status_code == 413
    assert "detail" in ours.json()
    assert theirs.status_code == 413
    assert theirs.json()["code"] == 413
    assert not Listen.objects.filter(user=user).exists()
