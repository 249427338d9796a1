"""The taste model: collaborative vectors from listens and likes at retrain, and a user's taste vector."""

import time
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from catalog.models import Artist, Track
from juke_auth.models import JukeUser, MusicProfile
from juke_ml.collaborative import CollaborativeConfig
from listening.models import Like, Listen
from recommender.models import ArtistEmbedding, ItemFactor, TrackEmbedding
from recommender.services.embeddings import embeddings_sync, model_get_active
from recommender.services.interactions import interactions_load
from recommender.services.taste import LOCAL_SECONDS, NO_TASTE_CACHE_SECONDS, taste_get
from recommender.services.training import model_retrain
from tests.factories_catalog import ArtistFactory, TrackFactory
from tests.recommender_catalog import demo_catalog_create, listens_create

pytestmark = pytest.mark.django_db


def _tracks_of_genre(genre: str, count: int, offset: int = 0) -> list[Track]:
    tracks = Track.objects.filter(artists__genres__name=genre).distinct().order_by("id")
    return list(tracks[offset : offset + count])


def _users(prefix: str, count: int) -> list[JukeUser]:
    return [
        JukeUser.objects.create_user(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com", password="x")
        for n in range(count)
    ]


@pytest.fixture
def listened():
    """The demo catalog; five users play rock, five play edm; then retrain."""
    demo_catalog_create(step=3)
    rock, edm = _tracks_of_genre("rock", 30), _tracks_of_genre("edm", 30)
    for position, user in enumerate(_users("rocker", 5)):
        listens_create(user, rock[position * 4 : position * 4 + 12], times=3)
    for position, user in enumerate(_users("raver", 5)):
        listens_create(user, edm[position * 4 : position * 4 + 12], times=3)
    return {"rock": rock, "edm": edm, "result": model_retrain()}


def _vector(model, **lookup) -> np.ndarray:
    return np.frombuffer(bytes(model.objects.get(**lookup).vector), dtype="<f4")


def test_retrain_without_listens_keeps_the_content_model():
    demo_catalog_create(step=3)
    result = model_retrain()
    assert result.metrics["collaborative"] == {"users": 0, "deployed": "content"}
    assert result.model.collaborative is None
    assert not ItemFactor.objects.exists()


def test_retrain_learns_collaborative_vectors_from_listens(listened):
    result = listened["result"]
    assert result.metrics["collaborative"]["deployed"] == "collaborative"
    assert result.metrics["collaborative"]["users"] == 10
    assert result.model.collaborative is not None
    # What bench/taste_playlists.py measures is what the artifact deploys: the mean query, compressed norms.
    stored = result.artifact.payload["collaborative"]
    assert (stored["query"], stored["norm_exponent"]) == ("mean", CollaborativeConfig.norm_exponent)
    played = {track.id for track in listened["rock"][:28] + listened["edm"][:28]}
    assert set(ItemFactor.objects.filter(resource_type="track").values_list("item_id", flat=True)) == played
    # Track listens roll up to artists and albums.
    assert ItemFactor.objects.filter(resource_type="artist").exists()
    assert ItemFactor.objects.filter(resource_type="album").exists()
    for embedding in TrackEmbedding.objects.all()[:50]:
        vector = np.frombuffer(bytes(embedding.vector), dtype="<f4")
        assert vector.shape == (32,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)


def test_items_played_by_the_same_people_end_up_closer_than_items_played_by_others(listened):
    rock, edm = listened["rock"], listened["edm"]
    first, same_listeners, other_listeners = rock[4], rock[5], edm[5]  # rocker0 and rocker1 play rock[4:12]
    anchor = _vector(TrackEmbedding, track=first)
    assert anchor @ _vector(TrackEmbedding, track=same_listeners) > anchor @ _vector(
        TrackEmbedding, track=other_listeners
    )


def test_an_item_nobody_played_still_gets_a_vector_in_the_same_space(listened):
    unplayed = Track.objects.exclude(listens__isnull=False).first()
    embedding = TrackEmbedding.objects.get(track=unplayed)
    assert embedding.metadata["listeners"] == 0
    vector = np.frombuffer(bytes(embedding.vector), dtype="<f4")
    assert vector.shape == (32,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
    assert not ItemFactor.objects.filter(resource_type="track", item_id=unplayed.id).exists()


def test_re_embedding_a_played_track_keeps_its_collaborative_part(listened):
    track = listened["rock"][4]
    before = _vector(TrackEmbedding, track=track)
    artist_before = _vector(ArtistEmbedding, artist=track.artists.first())
    TrackEmbedding.objects.filter(track=track).delete()
    embeddings_sync(track_ids=[track.id])
    assert np.allclose(_vector(TrackEmbedding, track=track), before, atol=1e-6)
    assert np.allclose(_vector(ArtistEmbedding, artist=track.artists.first()), artist_before, atol=1e-6)


def test_listens_roll_up_to_album_and_artists_and_unmatched_listens_count_for_the_named_artist():
    demo_catalog_create(step=3)
    (user,) = _users("solo", 1)
    track = Track.objects.filter(album__isnull=False).first()
    artist = track.artists.first()
    other = Artist.objects.exclude(id=artist.id).first()
    listens_create(user, [track], times=2)
    Listen.objects.create(
        user=user,
        listened_at=timezone.now(),
        artist_name=other.name.upper(),
        track_name="Not in the catalog",
        source="scrobbler",
        fingerprint="unmatched",
    )
    weights = interactions_load(now=timezone.now(), half_life_days=365, like_weight=5, user_id=user.id).weights
    keys = {item for _, item in weights}
    assert {("track", track.id), ("album", track.album_id), ("artist", artist.id), ("artist", other.id)} <= keys
    assert weights[(user.id, ("track", track.id))] == pytest.approx(2.0, rel=0.01)


def test_older_listens_weigh_less():
    demo_catalog_create(step=3)
    (user,) = _users("old", 1)
    recent, old = Track.objects.order_by("id")[:2]
    listens_create(user, [recent], days_ago=1)
    listens_create(user, [old], days_ago=730)
    weights = interactions_load(now=timezone.now(), half_life_days=365, like_weight=5, user_id=user.id).weights
    assert weights[(user.id, ("track", old.id))] == pytest.approx(0.25, abs=0.03)
    assert weights[(user.id, ("track", recent.id))] == pytest.approx(1.0, abs=0.03)


def test_taste_follows_what_the_user_plays_and_recent_listens_weigh_more(listened):
    rock, edm = listened["rock"], listened["edm"]
    model = model_get_active()
    (user,) = _users("switcher", 1)
    listens_create(user, edm[:10], times=2, days_ago=1500)
    listens_create(user, rock[:10], times=2, days_ago=1)
    taste = taste_get(user=user, model=model)
    rock_centre = np.mean([_vector(TrackEmbedding, track=t) for t in rock[:10]], axis=0)
    edm_centre = np.mean([_vector(TrackEmbedding, track=t) for t in edm[:10]], axis=0)
    assert taste.vector @ rock_centre > taste.vector @ edm_centre
    # Two listens of each track: no track is played "often", but artists with two of those tracks are.
    assert {track.spotify_id for track in rock[:10] + edm[:10]}.isdisjoint(taste.played_often)
    assert taste.played_often


def test_likes_count_and_a_user_with_nothing_has_no_taste_vector(listened):
    model = model_get_active()
    (user,) = _users("liker", 1)
    assert taste_get(user=user, model=model).vector is None
    MusicProfile.objects.create(user=user, favorite_genres=["rock"])
    assert taste_get(user=user, model=model).vector is None  # the profile alone: recommendations use it directly
    Like.objects.create(user=user, track=listened["rock"][0])
    taste = taste_get(user=user, model=model)
    assert taste.vector is not None
    assert [item.spotify_id for item in taste.items if item.resource_type == "track"] == [
        listened["rock"][0].spotify_id
    ]


def test_played_often_lists_items_with_three_or_more_listens(listened):
    (user,) = _users("fan", 1)
    often, once = listened["rock"][:2]
    listens_create(user, [often], times=4)
    listens_create(user, [once], times=1, days_ago=3)
    taste = taste_get(user=user, model=model_get_active())
    assert often.spotify_id in taste.played_often
    assert once.spotify_id not in taste.played_often
    assert timezone.now() - timedelta(days=1) > Listen.objects.filter(user=user).latest("listened_at").listened_at


def test_a_taste_without_vectors_is_built_again_soon_after_the_played_items_get_them(listened, monkeypatch):
    """A Spotify import brings tracks the model has no vectors for yet; once they are embedded, the taste follows."""
    model = model_get_active()
    (user,) = _users("newcomer", 1)
    new_track = TrackFactory(artists=[ArtistFactory()])
    listens_create(user, [new_track], times=3)
    assert taste_get(user=user, model=model).vector is None

    embeddings_sync(model=model, track_ids=[new_track.id])
    later = NO_TASTE_CACHE_SECONDS + LOCAL_SECONDS + 1
    real_time, real_monotonic = time.time, time.monotonic
    monkeypatch.setattr(time, "time", lambda: real_time() + later)
    monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + later)

    taste = taste_get(user=user, model=model)
    assert taste.vector is not None
    assert [item.spotify_id for item in taste.items if item.resource_type == "track"] == [new_track.spotify_id]
