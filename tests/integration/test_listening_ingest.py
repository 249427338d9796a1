"""The one ingest service on PostgreSQL: idempotence, matching, and matching later."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from listening.errors import ListenInvalid
from listening.models import Listen, ListenHistoryVersion, ListenSource
from listening.services.ingest import ListenInput, listen_fingerprint, listens_ingest, spotify_track_id_parse
from listening.services.matching import listens_match_unmatched
from tests.factories_auth import UserFactory
from tests.factories_catalog import ArtistFactory, TrackFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


def listen(n=0, **fields):
    values = {"listened_at": T0 + timedelta(minutes=4 * n), "artist_name": "Dool", "track_name": f"Song {n}"}
    values.update(fields)
    return ListenInput(**values)


def test_the_same_listen_submitted_twice_is_stored_once():
    user = UserFactory()
    first = listens_ingest(user=user, listens=[listen(0), listen(1)], source=ListenSource.SCROBBLER)
    again = listens_ingest(user=user, listens=[listen(1), listen(2), listen(2)], source=ListenSource.IMPORT)

    assert (first.created, first.duplicates) == (2, 0)
    assert (again.received, again.created, again.duplicates) == (3, 1, 2)
    assert Listen.objects.filter(user=user).count() == 3


def test_names_differing_only_in_case_accents_and_spacing_are_the_same_listen():
    user = UserFactory()
    listens_ingest(user=user, listens=[listen(0, artist_name="Beyoncé", track_name="Halo")], source="import")
    result = listens_ingest(
        user=user, listens=[listen(0, artist_name="  BEYONCE ", track_name="halo")], source=ListenSource.SCROBBLER
    )

    assert result.created == 0
    assert listen_fingerprint(artist_name="Beyoncé", track_name="Halo!") == listen_fingerprint(
        artist_name="beyonce", track_name="halo"
    )


def test_two_users_may_play_the_same_song_at_the_same_time():
    a, b = UserFactory(), UserFactory()
    for user in (a, b):
        assert listens_ingest(user=user, listens=[listen(0)], source=ListenSource.IMPORT).created == 1


@pytest.mark.parametrize(
    "value",
    [
        "4uLU6hMCjMI75M1A2tKUQC",
        "spotify:track:4uLU6hMCjMI75M1A2tKUQC",
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=x",
    ],
)
def test_spotify_ids_are_read_from_ids_uris_and_urls(value):
    assert spotify_track_id_parse(value) == "4uLU6hMCjMI75M1A2tKUQC"


def test_listens_match_by_spotify_id_then_isrc_then_names():
    user = UserFactory()
    by_id = TrackFactory(spotify_id="4uLU6hMCjMI75M1A2tKUQC", name="Other Name")
    by_isrc = TrackFactory(spotify_data={"external_ids": {"isrc": "GBAYE0601498"}}, name="Also Other")
    artist = ArtistFactory(name="Sigur Rós")
    by_names = TrackFactory(name="Hoppípolla", artists=[artist])

    listens_ingest(
        user=user,
        listens=[
            listen(0, spotify_id="spotify:track:4uLU6hMCjMI75M1A2tKUQC"),
            listen(1, isrc="gb-aye-06-01498"),
            listen(2, artist_name="sigur ros", track_name="HOPPÍPOLLA"),
            listen(3, artist_name="Nobody", track_name="Unknown"),
        ],
        source=ListenSource.IMPORT,
    )

    tracks = list(Listen.objects.filter(user=user).order_by("listened_at").values_list("track_id", flat=True))
    assert tracks == [by_id.pk, by_isrc.pk, by_names.pk, None]


def test_unmatched_listens_are_kept_and_matched_once_the_catalog_learns_the_track():
    user = UserFactory()
    listens_ingest(
        user=user,
        listens=[listen(n, artist_name="Later Band", track_name="New Song") for n in range(3)],
        source="import",
    )
    assert Listen.objects.filter(user=user, track__isnull=True).count() == 3

    version_before = ListenHistoryVersion.objects.get(user=user).version
    track = TrackFactory(name="New Song", artists=[ArtistFactory(name="Later Band")])
    assert listens_match_unmatched() == 3
    assert ListenHistoryVersion.objects.get(user=user).version > version_before  # their taste is built anew

    assert set(Listen.objects.filter(user=user).values_list("track_id", flat=True)) == {track.pk}
    assert listens_match_unmatched() == 0


def test_matching_bumps_every_listener_once_in_one_statement():
    users = [UserFactory() for _ in range(3)]
    for user in users:
        listens_ingest(user=user, listens=[listen(0, artist_name="Later Band", track_name="New Song")], source="import")
    before = dict(ListenHistoryVersion.objects.values_list("user_id", "version"))
    TrackFactory(name="New Song", artists=[ArtistFactory(name="Later Band")])
    table = ListenHistoryVersion._meta.db_table

    with CaptureQueriesContext(connection) as queries:
        assert listens_match_unmatched() == 3

    assert len([q for q in queries.captured_queries if table in q["sql"]]) == 1
    after = dict(ListenHistoryVersion.objects.values_list("user_id", "version"))
    assert after == {user.pk: before[user.pk] + 1 for user in users}


def test_a_listen_without_names_stores_nothing_of_its_batch():
    user = UserFactory()
    with pytest.raises(ListenInvalid):
        listens_ingest(user=user, listens=[listen(0), listen(1, artist_name="  ")], source=ListenSource.IMPORT)
    assert not Listen.objects.filter(user=user).exists()


def test_a_large_batch_is_stored_in_several_statements():
    user = UserFactory()
    result = listens_ingest(user=user, listens=[listen(n) for n in range(1200)], source=ListenSource.IMPORT)
    assert result.created == 1200 == Listen.objects.filter(user=user).count()


def test_matching_in_small_batches_still_reaches_every_group_of_a_song():
    user = UserFactory()
    track = TrackFactory(spotify_id="4uLU6hMCjMI75M1A2tKUQC", name="Song", artists=[ArtistFactory(name="Band")])
    listens_ingest(
        user=user,
        listens=[
            listen(0, artist_name="Band", track_name="Song", spotify_id="0000000000000000000000"),
            listen(1, artist_name="Band", track_name="Song", isrc="GBAYE0601498"),
            listen(2, artist_name="Other", track_name="Unknown"),
        ],
        source=ListenSource.IMPORT,
    )
    Listen.objects.filter(user=user).update(track=None)

    assert listens_match_unmatched(batch_size=1) == 2
    assert list(Listen.objects.filter(user=user).order_by("listened_at").values_list("track_id", flat=True)) == [
        track.pk,
        track.pk,
        None,
    ]


def test_rematching_points_each_song_at_its_own_track_whatever_the_spelling_or_ids():
    user, other = UserFactory(), UserFactory()
    band = ArtistFactory(name="Band")
    first = TrackFactory(name="First Song", artists=[band])
    second = TrackFactory(name="Second Song", artists=[band])
    by_id = TrackFactory(spotify_id="4uLU6hMCjMI75M1A2tKUQC", name="Remix", artists=[ArtistFactory(name="DJ")])
    listens = [
        listen(0, artist_name="Band", track_name="First Song"),
        listen(1, artist_name="BAND", track_name="first song!"),  # another spelling: the same fingerprint
        listen(2, artist_name="Band", track_name="Second Song"),
        # Same names as the first song, but a Spotify id names another track: the id decides.
        listen(3, artist_name="Band", track_name="First Song", spotify_id=by_id.spotify_id),
        listen(4, artist_name="Nobody", track_name="Unknown"),
    ]
    listens_ingest(user=user, listens=listens, source=ListenSource.IMPORT)
    listens_ingest(user=other, listens=listens[:1], source=ListenSource.IMPORT)
    Listen.objects.update(track=None)

    assert listens_match_unmatched() == 5

    mine = Listen.objects.filter(user=user).order_by("listened_at").values_list("track_id", flat=True)
    assert list(mine) == [first.pk, first.pk, second.pk, by_id.pk, None]
    assert Listen.objects.get(user=other).track_id == first.pk
