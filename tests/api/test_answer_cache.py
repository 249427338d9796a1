"""Whole answers of hot reads served from Redis until their tables change (core.answer_cache).

Each test runs against a real Redis (its own key prefix) with the answer cache on. A second identical
request is answered with the token query alone; any write to the tables the answer reads, by the ORM, by
bulk SQL or inside a transaction, is seen by the next request.
"""

import os
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.dialects import COPY_MIN_ROWS, dialect_for
from catalog.models import Artist, Genre, Track
from core import answer_cache
from juke_auth.models import JukeUser
from tests.factories_auth import token_client
from tests.factories_catalog import AlbumFactory, ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("JUKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(autouse=True)
def answers_in_redis(settings):
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": uuid.uuid4().hex}
    }
    settings.ANSWER_CACHE_SECONDS = 60


@pytest.fixture
def reader():
    user = JukeUser.objects.create_user(username="reader", email="reader@example.com", password="x-Juke-2026!")
    client, _ = token_client(user)
    return client


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return response, len(queries)


def test_a_repeated_artist_detail_costs_only_the_token_query(reader):
    artist = ArtistFactory(name="Cached Artist")
    url = f"/api/v1/artists/{artist.pk}/"
    first, first_queries = _get(reader, url)

    again, queries = _get(reader, url)

    assert queries == 1 < first_queries
    assert again.json() == first.json()
    assert again["Content-Type"] == first["Content-Type"]


def test_an_orm_save_is_seen_by_the_next_read(reader):
    artist = ArtistFactory(name="Before")
    url = f"/api/v1/artists/{artist.pk}/"
    _get(reader, url)

    artist.name = "After"
    artist.save()

    assert _get(reader, url)[0].json()["name"] == "After"


def test_bulk_writes_are_seen_by_the_next_search(reader):
    album = AlbumFactory()
    TrackFactory(name="Moonlight Drive", album=album)
    url = "/api/v1/tracks/?q=moonlight"
    assert _get(reader, url)[0].json()["count"] == 1

    Track.objects.bulk_create([Track(spotify_id="track-bulk-moonlight-0001", name="Moonlight Mile", album=album)])
    assert _get(reader, url)[0].json()["count"] == 2

    Track.objects.filter(name="Moonlight Mile").update(name="Sunlight Mile")
    assert [t["name"] for t in _get(reader, url)[0].json()["results"]] == ["Moonlight Drive"]

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_track_artists")
        cursor.execute("DELETE FROM catalog_track")
    assert _get(reader, url)[0].json()["count"] == 0


def test_a_write_in_a_transaction_moves_the_generation_again_at_commit(reader):
    artist = ArtistFactory(name="Committed")
    _get(reader, f"/api/v1/artists/{artist.pk}/")

    with transaction.atomic():
        Artist.objects.filter(pk=artist.pk).update(name="Committed twice")
        Artist.objects.filter(pk=artist.pk).update(popularity=1)
        pending = [item[1] for item in connection.run_on_commit]

    assert pending.count(answer_cache._BUMP_ON_COMMIT["catalog"]) == 1
    assert _get(reader, f"/api/v1/artists/{artist.pk}/")[0].json()["name"] == "Committed twice"


def test_another_host_gets_its_own_links(reader):
    artist = ArtistFactory()
    url = f"/api/v1/artists/{artist.pk}/"
    _get(reader, url)

    response, queries = _get(reader, url, HTTP_HOST="127.0.0.1")

    assert queries > 1
    assert response.json()["url"].startswith("http://127.0.0.1/")


def test_the_browsable_api_is_never_served_from_the_cache(reader):
    artist = ArtistFactory()
    url = f"/api/v1/artists/{artist.pk}/"
    _get(reader, url)

    response = reader.get(url, HTTP_ACCEPT="text/html")

    assert response["Content-Type"].startswith("text/html")


def test_errors_are_not_kept(reader):
    url = "/api/v1/artists/999999/"
    assert reader.get(url).status_code == 404
    ArtistFactory(pk=999999)

    assert reader.get(url).status_code == 200


def test_each_user_reads_their_own_profile(reader):
    other = JukeUser.objects.create_user(username="other", email="other@example.com", password="x-Juke-2026!")
    other_client, _ = token_client(other)
    assert _get(reader, "/api/v1/music-profiles/me/")[0].json()["username"] == "reader"  # creates the profile
    _get(reader, "/api/v1/music-profiles/me/")
    _, queries = _get(reader, "/api/v1/music-profiles/me/")

    assert queries == 1
    assert _get(other_client, "/api/v1/music-profiles/me/")[0].json()["username"] == "other"


def test_a_profile_edit_is_seen_by_the_next_read(reader):
    _get(reader, "/api/v1/music-profiles/me/")

    assert reader.patch("/api/v1/music-profiles/me/", {"bio": "New bio"}, format="json").status_code == 200

    assert _get(reader, "/api/v1/music-profiles/me/")[0].json()["bio"] == "New bio"


def test_another_users_sign_in_leaves_cached_profiles_alone(reader, client):
    JukeUser.objects.create_user(username="signer", email="signer@example.com", password="x-Juke-2026!")
    _get(reader, "/api/v1/music-profiles/me/")
    _get(reader, "/api/v1/music-profiles/me/")

    signed_in = client.post(
        "/api/v1/auth/api-auth-token/",
        {"username": "signer", "password": "x-Juke-2026!"},
        content_type="application/json",
    )

    assert signed_in.status_code == 200
    assert JukeUser.objects.get(username="signer").last_login is not None
    assert _get(reader, "/api/v1/music-profiles/me/")[1] == 1


def test_a_username_change_is_seen_by_the_next_profile_read(reader):
    _get(reader, "/api/v1/music-profiles/me/")

    JukeUser.objects.filter(username="reader").update(username="renamed", last_login=timezone.now())

    assert _get(reader, "/api/v1/music-profiles/me/")[0].json()["username"] == "renamed"


def test_without_redis_every_read_is_computed(reader, settings):
    settings.CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    artist = ArtistFactory(name="No cache")
    url = f"/api/v1/artists/{artist.pk}/"
    _get(reader, url)

    response, queries = _get(reader, url)

    assert queries > 1
    assert response.json()["name"] == "No cache"


def test_a_raw_copy_into_a_catalog_table_is_seen(reader):
    """The import COPYs new rows straight into catalog tables (psycopg's COPY, which no cursor wrapper sees)."""
    url = "/api/v1/genres/?q=copied"
    _get(reader, url)  # the first request of the suite's cache only starts the generation
    _get(reader, url)
    response, queries = _get(reader, url)
    assert (response.json()["count"], queries) == (0, 1)
    now = timezone.now()
    columns = ["spotify_id", "name", "spotify_data", "custom_data", "images", "created_at", "modified_at"]
    rows = [(f"genre-copied-{i}", f"copied {i}", {}, {}, [], now, now) for i in range(COPY_MIN_ROWS)]

    dialect_for().rows_copy(model=Genre, columns=columns, rows=rows)

    assert _get(reader, url)[0].json()["count"] == COPY_MIN_ROWS
