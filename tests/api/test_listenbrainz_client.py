"""An unmodified ListenBrainz client library (liblistenbrainz) pointed at a live Juke server."""

import time

import liblistenbrainz
import pytest
from liblistenbrainz.errors import InvalidAuthTokenException, ListenBrainzAPIException

from listening.models import Listen, ListenSource
from tests.factories_auth import MusicProfileFactory, UserFactory, token_client

# Rate-limit counters live in the cache: every test starts with fresh ones.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def listener():
    user = UserFactory()
    _, key = token_client(user)
    return user, key


@pytest.fixture
def client(live_server, listener):
    client = liblistenbrainz.ListenBrainz(api_base_url=live_server.url)
    client.set_auth_token(listener[1])  # checks the token against /1/validate-token
    return client


def test_client_submits_a_single_listen_and_reads_it_back(client, listener):
    user, _ = listener
    listened_at = int(time.time()) - 60
    listen = liblistenbrainz.Listen(
        track_name="Vantablack",
        artist_name="Dool",
        release_name="Here Now, There Then",
        listened_at=listened_at,
        spotify_id="https://open.spotify.com/track/1rrgWMXGCGHru5bIRxGFV0",
        isrc="USRC17607839",
        additional_info={"duration_ms": 312000, "submission_client": "test"},
    )

    assert client.submit_single_listen(listen) == {"status": "ok"}

    stored = Listen.objects.get(user=user)
    assert (stored.artist_name, stored.track_name, stored.source) == ("Dool", "Vantablack", ListenSource.SCROBBLER)
    assert stored.spotify_id == "1rrgWMXGCGHru5bIRxGFV0"
    assert stored.duration_ms == 312000
    [read] = client.get_listens(username=user.username)
    assert (read.artist_name, read.track_name, read.release_name) == ("Dool", "Vantablack", "Here Now, There Then")
    assert read.listened_at == listened_at
    assert read.isrc == "USRC17607839"


def test_client_imports_many_listens_once_even_when_sent_twice(client, listener):
    user, _ = listener
    start = int(time.time()) - 10_000
    listens = [
        liblistenbrainz.Listen(track_name=f"Song {n}", artist_name="Band", listened_at=start + n * 200)
        for n in range(30)
    ]

    client.submit_multiple_listens(listens)
    client.submit_multiple_listens(listens)

    assert Listen.objects.filter(user=user).count() == 30
    newest = client.get_listens(username=user.username, count=5)
    assert [listen.track_name for listen in newest] == [f"Song {n}" for n in (29, 28, 27, 26, 25)]
    older = client.get_listens(username=user.username, max_ts=start + 25 * 200, count=3)
    assert [listen.track_name for listen in older] == ["Song 24", "Song 23", "Song 22"]
    after = client.get_listens(username=user.username, min_ts=start + 2 * 200, count=2)
    assert [listen.track_name for listen in after] == ["Song 4", "Song 3"]


def test_client_reports_playing_now(client, listener):
    user, _ = listener
    client.submit_playing_now(liblistenbrainz.Listen(track_name="Now", artist_name="Live Band"))

    playing = client.get_playing_now(username=user.username)

    assert (playing.artist_name, playing.track_name) == ("Live Band", "Now")
    assert not Listen.objects.filter(user=user).exists()


def test_client_refuses_a_token_juke_does_not_know(live_server):
    client = liblistenbrainz.ListenBrainz(api_base_url=live_server.url)
    with pytest.raises(InvalidAuthTokenException):
        client.set_auth_token("not-a-juke-token")


def test_client_gets_listenbrainz_error_for_a_listen_from_the_future(client, listener):
    listen = liblistenbrainz.Listen(track_name="Later", artist_name="Band", listened_at=int(time.time()) + 86_400)

    with pytest.raises(ListenBrainzAPIException) as error:
        client.submit_single_listen(listen)

    assert error.value.status_code == 400
    assert error.value.message == "Value for key listened_at is too high."
    assert not Listen.objects.filter(user=listener[0]).exists()


def test_another_users_private_listens_are_refused_and_public_ones_readable(client, live_server):
    private = UserFactory()
    public = MusicProfileFactory(listens_public=True).user

    with pytest.raises(ListenBrainzAPIException) as error:
        client.get_listens(username=private.username)
    assert error.value.status_code == 403
    assert client.get_listens(username=public.username) == []


def test_client_deletes_a_listen_it_read_back_and_counts_what_is_left(client, listener):
    user, _ = listener
    start = int(time.time()) - 3_000
    client.submit_multiple_listens(
        [
            liblistenbrainz.Listen(track_name=f"Song {n}", artist_name="Band", listened_at=start + n * 300)
            for n in range(3)
        ]
    )
    assert client.get_user_listen_count(user.username) == 3
    [newest, *_] = client.get_listens(username=user.username)
    assert newest.recording_msid

    assert client.delete_listen(newest) == {"status": "ok"}

    assert client.get_user_listen_count(user.username) == 2
    assert [listen.track_name for listen in client.get_listens(username=user.username)] == ["Song 1", "Song 0"]


def test_client_paces_itself_from_the_rate_limit_headers(client, listener, settings):
    user, _ = listener
    settings.LISTENBRAINZ_THROTTLE_RATES = {"token": "3/2s", "address": "3/2s"}

    started = time.monotonic()
    counts = [client.get_user_listen_count(user.username) for _ in range(4)]

    # The third request spent the window (X-RateLimit-Remaining 0); the client waited for X-RateLimit-Reset-In
    # instead of collecting a 429.
    assert counts == [0, 0, 0, 0]
    assert client.remaining_requests is not None
    assert time.monotonic() - started >= 1
