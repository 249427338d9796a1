"""Training, embedding and seed resolution against the database (SQLite locally, PostgreSQL in CI)."""

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from catalog.models import Album, Artist, Genre, Track, TrackAudioFeatures
from juke_auth.models import JukeUser, MusicProfile
from recommender.models import AlbumEmbedding, ArtistEmbedding, ModelArtifact, TrackEmbedding
from recommender.services.embeddings import embeddings_sync, embeddings_sync_stale, model_get_active
from recommender.services.seeds import SeedErrors, SeedRequest, seeds_resolve
from recommender.services.training import model_retrain
from recommender.tasks import embed_stale_items, embed_tracks
from tests.recommender_catalog import DEMO_CSV, catalog_create_from_rows, demo_catalog_create, read_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained():
    demo_catalog_create(step=3)
    return model_retrain()


def _vector(embedding) -> np.ndarray:
    return np.frombuffer(bytes(embedding.vector), dtype="<f4")


def test_retrain_refuses_a_catalog_under_500_tracks():
    catalog_create_from_rows(read_rows(DEMO_CSV, limit=100))
    with pytest.raises(CommandError, match=r"has 100 tracks; training needs at least 500"):
        call_command("retrain", "--no-progress")
    assert not ModelArtifact.objects.exists()


def test_retrain_activates_a_versioned_model_and_embeds_the_whole_catalog():
    demo_catalog_create(step=3)
    out = io.StringIO()
    call_command("retrain", "--no-progress", stdout=out)
    artifact = ModelArtifact.objects.get(is_active=True)
    text = out.getvalue()
    assert f"Model {artifact.version} trained and activated" in text
    assert "Corpus: 662 tracks (662 with audio features)" in text
    assert "Genres: 30" in text
    assert "Explained variance: audio 100.0%" in text
    assert f"Embeddings changed: {Track.objects.count() + Album.objects.count() + Artist.objects.count()}" in text
    assert TrackEmbedding.objects.count() == Track.objects.count()
    assert AlbumEmbedding.objects.count() == Album.objects.count()
    assert ArtistEmbedding.objects.count() == Artist.objects.count()
    assert set(TrackEmbedding.objects.values_list("model_version", flat=True)) == {artifact.version}
    for embedding in TrackEmbedding.objects.all()[:50]:
        vector = _vector(embedding)
        assert vector.shape == (32,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert artifact.metrics["genre_explained_variance"] > 0


def test_retrain_on_an_unchanged_catalog_changes_nothing(trained):
    out = io.StringIO()
    call_command("retrain", "--no-progress", stdout=out)
    assert "unchanged (same corpus): kept active" in out.getvalue()
    assert "Embeddings changed: 0 of" in out.getvalue()
    assert ModelArtifact.objects.count() == 1


def test_a_new_model_replaces_the_active_one(trained):
    Track.objects.filter(id__in=Track.objects.values("id")[:5]).update(popularity=100)
    second = model_retrain()
    assert second.artifact.version != trained.artifact.version
    assert list(ModelArtifact.objects.filter(is_active=True)) == [second.artifact]
    assert set(TrackEmbedding.objects.values_list("model_version", flat=True)) == {second.artifact.version}


def test_a_new_model_reaches_every_row_when_one_sync_both_creates_and_updates(trained, monkeypatch):
    monkeypatch.setattr("recommender.services.embeddings.WRITE_BATCH_SIZE", 7)  # many batches on a small catalog
    TrackEmbedding.objects.filter(id__in=TrackEmbedding.objects.values("id")[:3]).delete()  # 3 rows to create
    Track.objects.filter(id__in=Track.objects.values("id")[:5]).update(popularity=100)

    second = model_retrain()

    assert TrackEmbedding.objects.count() == Track.objects.count()
    assert set(TrackEmbedding.objects.values_list("model_version", flat=True)) == {second.artifact.version}
    assert set(AlbumEmbedding.objects.values_list("model_version", flat=True)) == {second.artifact.version}


def test_retrain_warns_about_low_genre_diversity():
    rows = [{**row, "playlist_genre": "pop", "playlist_subgenre": "dance pop"} for row in read_rows(DEMO_CSV)[:600]]
    catalog_create_from_rows(rows)
    err = io.StringIO()
    call_command("retrain", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert "Low genre diversity: only 2 distinct genres" in err.getvalue()


def test_tracks_without_audio_features_get_a_genre_vector_with_lower_quality(trained):
    track = Track.objects.filter(artists__genres__isnull=False).first()
    TrackAudioFeatures.objects.filter(track=track).delete()
    embeddings_sync(track_ids=[track.id])
    embedding = TrackEmbedding.objects.get(track=track)
    assert embedding.quality_score == 0.5
    assert embedding.metadata["audio_features"] is False
    assert np.linalg.norm(_vector(embedding)) == pytest.approx(1.0, abs=1e-5)
    assert TrackEmbedding.objects.exclude(track=track).filter(quality_score=1.0).exists()


def test_album_embedding_is_the_duration_weighted_mean_of_its_tracks(trained):
    album = Album.objects.filter(tracks__isnull=False).first()
    extra = Track.objects.create(spotify_id="x" * 22, name="Long Bonus Track", album=album, duration_ms=600_000)
    extra.artists.set(album.artists.all())
    embed_tracks.delay([extra.id])  # eager under test
    tracks = list(album.tracks.select_related("embedding"))
    weights = np.array([t.duration_ms for t in tracks], dtype=float)
    expected = (weights / weights.sum()) @ np.vstack([_vector(t.embedding) for t in tracks])
    stored = _vector(AlbumEmbedding.objects.get(album=album))
    assert np.allclose(stored, expected / np.linalg.norm(expected), atol=1e-5)


def test_embed_tracks_re_embeds_the_changed_track_its_album_and_artists(trained):
    track = Track.objects.select_related("album").filter(album__isnull=False).first()
    artist = track.artists.first()
    before = {
        "track": _vector(TrackEmbedding.objects.get(track=track)),
        "album": _vector(AlbumEmbedding.objects.get(album=track.album)),
        "artist": _vector(ArtistEmbedding.objects.get(artist=artist)),
    }
    TrackAudioFeatures.objects.filter(track=track).update(energy=0.0, acousticness=1.0, loudness=-40.0)
    summary = embed_tracks.delay([track.id]).get()
    assert summary["updated"]["track"] == 1
    assert not np.allclose(before["track"], _vector(TrackEmbedding.objects.get(track=track)))
    assert not np.allclose(before["album"], _vector(AlbumEmbedding.objects.get(album=track.album)))
    assert not np.allclose(before["artist"], _vector(ArtistEmbedding.objects.get(artist=artist)))


def test_embed_stale_items_embeds_new_catalog_items(trained):
    genre = Genre.objects.get(name="hard rock")
    artist = Artist.objects.create(spotify_id="newartist000000000000a", name="Brand New Band")
    artist.genres.add(genre)
    album = Album.objects.create(spotify_id="newalbum0000000000000a", name="Debut")
    album.artists.add(artist)
    track = Track.objects.create(spotify_id="newtrack0000000000000a", name="Opener", album=album, duration_ms=200_000)
    track.artists.add(artist)
    summary = embed_stale_items.delay().get()
    assert summary["created"] == {"track": 1, "album": 1, "artist": 1}
    assert TrackEmbedding.objects.get(track=track).quality_score == 0.5  # genres only: no audio features yet
    assert embeddings_sync_stale().changed == 0


def test_embeddings_do_nothing_before_the_first_model():
    demo_catalog_create(step=20)
    assert embeddings_sync(track_ids=list(Track.objects.values_list("id", flat=True))).total == 0
    assert model_get_active() is None


# ---- seed resolution ----------------------------------------------------------------------------------


def test_names_resolve_case_insensitively_to_catalog_items_and_their_vectors(trained):
    seeds = seeds_resolve(request=SeedRequest(artists=["  guns n' roses "]), model=model_get_active())
    artist = Artist.objects.get(name="Guns N' Roses")
    assert [item.spotify_id for item in seeds.items] == [artist.spotify_id]
    assert seeds.exclude_spotify_ids == [artist.spotify_id]
    assert np.allclose(seeds.vectors[0], _vector(artist.embedding))
    assert seeds.names == {"artists": [], "albums": [], "tracks": [], "genres": []}


def test_uris_bare_ids_and_spotify_uris_resolve(trained):
    artist = Artist.objects.get(name="Green Day")
    track = Track.objects.filter(artists__name="Hardwell").first()
    request = SeedRequest(
        seeds=[f"juke:artist:{artist.spotify_id}"],
        tracks=[track.spotify_id],
        albums=[f"spotify:album:{track.album.spotify_id}"],
    )
    seeds = seeds_resolve(request=request, model=model_get_active())
    assert {(item.resource_type, item.spotify_id) for item in seeds.items} == {
        ("artist", artist.spotify_id),
        ("track", track.spotify_id),
        ("album", track.album.spotify_id),
    }
    assert len(seeds.vectors) == 3


def test_genres_become_genre_vectors_and_unknown_names_go_to_the_engine(trained):
    seeds = seeds_resolve(
        request=SeedRequest(genres=["Hard Rock", "polka"], artists=["Nobody We Know"]), model=model_get_active()
    )
    assert seeds.genre_seeds == ["Hard Rock"]
    assert len(seeds.vectors) == 1
    assert seeds.names["genres"] == ["polka"]
    assert seeds.names["artists"] == ["Nobody We Know"]


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("juke:artist", "Invalid seed URI: 'juke:artist'"),
        ("juke:playlist:abc", "Invalid seed URI: 'juke:playlist:abc'"),
        ("juke:artist:doesnotexist", "Unknown seed: 'juke:artist:doesnotexist' is not in the catalog."),
    ],
)
def test_invalid_or_unknown_uris_are_named_in_the_error(trained, seed, message):
    with pytest.raises(SeedErrors) as error:
        seeds_resolve(request=SeedRequest(seeds=[seed]), model=model_get_active())
    assert message in error.value.errors["seeds"][0]


def test_profiles_favourites_become_seeds_in_every_accepted_form(trained):
    green_day = Artist.objects.get(name="Green Day")
    avicii = Artist.objects.get(name="Avicii")
    track = Track.objects.filter(artists__name="Halsey").first()
    user = JukeUser.objects.create_user(username="fan", email="fan@example.com", password="x")
    MusicProfile.objects.create(
        user=user,
        favorite_artists=[green_day.spotify_id, f"spotify:artist:{avicii.spotify_id}", "Martin Garrix", "ZZZZ"],
        favorite_tracks=[track.name.upper()],
        favorite_genres=["big room"],
    )
    seeds = seeds_resolve(request=SeedRequest(profiles=["fan"]), model=model_get_active())
    names = {item.name for item in seeds.items}
    assert {"Green Day", "Avicii", "Martin Garrix", track.name} <= names
    assert seeds.genre_seeds == ["big room"]
    assert seeds.names["artists"] == ["ZZZZ"]  # a favourite name we do not have: the engine may know it

    with pytest.raises(SeedErrors) as error:
        seeds_resolve(request=SeedRequest(profiles=["ghost"]), model=model_get_active())
    assert error.value.errors == {"profiles": ["Unknown profile: 'ghost'."]}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/recommender/modelartifact/?q=juke",
        "/admin/recommender/trackembedding/?q=love",
        "/admin/recommender/albumembedding/?q=love",
        "/admin/recommender/artistembedding/?q=green",
        "/admin/catalog/trackaudiofeatures/?q=love&mode__exact=1",
    ],
)
def test_admin_lists_search_and_filter(trained, admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_admin_shows_an_embedding_vector(trained, admin_client):
    embedding = TrackEmbedding.objects.first()
    response = admin_client.get(f"/admin/recommender/trackembedding/{embedding.pk}/change/")
    assert response.status_code == 200
    assert f"{_vector(embedding)[0]:.3f}" in response.content.decode()
