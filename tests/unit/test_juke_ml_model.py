"""The embedding model on a small known corpus (pure numpy, no database)."""

import json
import math

import numpy as np
import pytest

from juke_ml.features import key_on_circle_of_fifths, raw_audio_vector
from juke_ml.model import (
    QUALITY_AUDIO_AND_GENRES,
    QUALITY_AUDIO_ONLY,
    QUALITY_FALLBACK,
    QUALITY_GENRES_ONLY,
    MusicModel,
    block_sizes,
    fit_model,
)
from juke_ml.query import build_query_vector

# Three families of sound: loud electronic dance, quiet acoustic folk, wordy rap.
EDM = {
    "danceability": 0.8,
    "energy": 0.92,
    "key": 1,
    "loudness": -4.0,
    "mode": 1,
    "speechiness": 0.05,
    "acousticness": 0.01,
    "instrumentalness": 0.6,
    "liveness": 0.1,
    "valence": 0.5,
    "tempo": 128.0,
}
FOLK = {
    "danceability": 0.4,
    "energy": 0.2,
    "key": 7,
    "loudness": -14.0,
    "mode": 1,
    "speechiness": 0.03,
    "acousticness": 0.9,
    "instrumentalness": 0.02,
    "liveness": 0.12,
    "valence": 0.3,
    "tempo": 90.0,
}
RAP = {
    "danceability": 0.85,
    "energy": 0.6,
    "key": 5,
    "loudness": -6.0,
    "mode": 0,
    "speechiness": 0.35,
    "acousticness": 0.1,
    "instrumentalness": 0.0,
    "liveness": 0.15,
    "valence": 0.45,
    "tempo": 95.0,
}
FAMILIES = {"edm": EDM, "folk": FOLK, "rap": RAP}
ARTIST_GENRES = {
    # Genres that share artists: the dance family, the folk family, the rap family.
    "a1": ["edm", "big room", "electro house"],
    "a2": ["edm", "electro house"],
    "a3": ["edm", "big room"],
    "a4": ["folk", "indie folk"],
    "a5": ["folk", "indie folk", "singer-songwriter"],
    "a6": ["folk", "singer-songwriter"],
    "a7": ["rap", "trap", "gangster rap"],
    "a8": ["rap", "trap"],
    "a9": ["rap", "gangster rap"],
    "a10": ["edm", "pop"],
    "a11": ["folk", "pop"],
}


def _jitter(features: dict, rng: np.random.Generator) -> dict:
    out = dict(features)
    for name in ("danceability", "energy", "valence", "liveness"):
        out[name] = float(np.clip(features[name] + rng.normal(0, 0.05), 0, 1))
    out["loudness"] = features["loudness"] + rng.normal(0, 1.0)
    out["tempo"] = features["tempo"] + rng.normal(0, 4.0)
    return out


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(7)
    tracks = []
    for family, features in FAMILIES.items():
        for _ in range(40):
            tracks.append(
                {"family": family, "audio_features": _jitter(features, rng), "popularity": rng.integers(0, 100)}
            )
    return tracks


@pytest.fixture(scope="module")
def model(corpus):
    fitted, _ = fit_model(tracks=corpus, artist_genres=ARTIST_GENRES, dimension=32, version="test-1")
    return fitted


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def test_fit_reports_corpus_and_explained_variance(corpus):
    _, metrics = fit_model(tracks=corpus, artist_genres=ARTIST_GENRES, dimension=32, version="v")
    assert metrics["tracks"] == 120
    assert metrics["tracks_with_audio_features"] == 120
    assert metrics["genres"] == 10
    assert metrics["audio_dimensions"] + metrics["genre_dimensions"] + 1 == 32
    assert 0 < metrics["genre_explained_variance"] <= 1
    assert metrics["audio_explained_variance"] == pytest.approx(1.0)


@pytest.mark.parametrize("resource_type", ["track", "album", "artist", "text"])
def test_every_vector_is_unit_length_float32_of_the_model_dimension(model, resource_type):
    attributes = {
        "track": {"audio_features": EDM, "genres": ["edm"], "popularity": 70},
        "album": {"track_vectors": [model.embed("track", {"audio_features": EDM})[0]] * 2},
        "artist": {"genres": ["folk"]},
        "text": {"tokens": ["big room"]},
    }[resource_type]
    vector, quality = model.embed(resource_type, attributes)
    assert vector.dtype == np.float32
    assert vector.shape == (32,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert 0.0 <= quality <= 1.0


def test_similar_tracks_are_closer_than_dissimilar_ones(model):
    rng = np.random.default_rng(1)
    edm_a = model.embed("track", {"audio_features": _jitter(EDM, rng)})[0]
    edm_b = model.embed("track", {"audio_features": _jitter(EDM, rng)})[0]
    folk = model.embed("track", {"audio_features": _jitter(FOLK, rng)})[0]
    rap = model.embed("track", {"audio_features": _jitter(RAP, rng)})[0]
    assert _cos(edm_a, edm_b) > _cos(edm_a, folk) + 0.3
    assert _cos(edm_a, edm_b) > _cos(edm_a, rap)


def test_nearest_neighbours_share_the_family(model, corpus):
    vectors = np.vstack([model.embed("track", {"audio_features": t["audio_features"]})[0] for t in corpus])
    families = np.array([t["family"] for t in corpus])
    scores = vectors @ vectors.T
    np.fill_diagonal(scores, -np.inf)
    top = np.argsort(-scores, axis=1)[:, :5]
    assert (families[top] == families[:, None]).mean() > 0.95


def test_related_genres_lie_closer_than_unrelated_ones(model):
    big_room = model.genre_vector("big room")
    electro = model.genre_vector("electro house")
    trap = model.genre_vector("trap")
    indie_folk = model.genre_vector("indie folk")
    assert _cos(big_room, electro) > _cos(big_room, trap) + 0.3
    assert _cos(big_room, electro) > _cos(big_room, indie_folk) + 0.3


def test_genre_lookup_is_case_insensitive_and_unknown_genres_are_none(model):
    assert np.allclose(model.genre_vector("  Big   ROOM "), model.genre_vector("big room"))
    assert model.genre_vector("polka") is None


def test_album_is_the_duration_weighted_mean_of_its_tracks(model):
    edm = model.embed("track", {"audio_features": EDM})[0]
    folk = model.embed("track", {"audio_features": FOLK})[0]
    vector, _ = model.embed("album", {"track_vectors": [edm, folk], "track_durations_ms": [300_000, 100_000]})
    expected = 0.75 * edm + 0.25 * folk
    assert np.allclose(vector, expected / np.linalg.norm(expected), atol=1e-6)


def test_album_without_durations_is_a_plain_mean(model):
    edm = model.embed("track", {"audio_features": EDM})[0]
    folk = model.embed("track", {"audio_features": FOLK})[0]
    vector, _ = model.embed("album", {"track_vectors": [edm, folk]})
    expected = edm + folk
    assert np.allclose(vector, expected / np.linalg.norm(expected), atol=1e-6)


def test_artist_is_its_albums_plus_its_genres(model):
    folk_album = model.embed("track", {"audio_features": FOLK})[0]
    plain, _ = model.embed("artist", {"album_vectors": [folk_album]})
    with_genres, quality = model.embed("artist", {"album_vectors": [folk_album], "genres": ["indie folk"]})
    assert np.allclose(plain, folk_album, atol=1e-6)
    genre = model.genre_vector("indie folk")
    assert _cos(with_genres, genre) > _cos(plain, genre)
    assert quality == pytest.approx(1.0)


def test_items_without_audio_features_get_a_vector_from_their_genres(model):
    vector, quality = model.embed("track", {"genres": ["trap"], "name": "Untitled"})
    assert quality == QUALITY_GENRES_ONLY
    rap_track = model.embed("track", {"audio_features": RAP, "genres": ["trap"]})[0]
    folk_track = model.embed("track", {"audio_features": FOLK, "genres": ["folk"]})[0]
    assert _cos(vector, rap_track) > _cos(vector, folk_track)
    artist, artist_quality = model.embed("artist", {"genres": ["folk", "indie folk"]})
    assert artist_quality == QUALITY_GENRES_ONLY
    assert np.linalg.norm(artist) == pytest.approx(1.0, abs=1e-5)


def test_quality_says_how_much_signal_there_was(model):
    assert model.embed("track", {"audio_features": EDM, "genres": ["edm"]})[1] == QUALITY_AUDIO_AND_GENRES
    assert model.embed("track", {"audio_features": EDM})[1] == QUALITY_AUDIO_ONLY
    assert model.embed("track", {"genres": ["edm"]})[1] == QUALITY_GENRES_ONLY
    vector, quality = model.embed("track", {"name": "Mystery"})
    assert quality == QUALITY_FALLBACK
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(vector, model.embed("track", {"name": "mystery"})[0])  # deterministic


def test_text_embeds_the_genres_it_names(model):
    vector, quality = model.embed("text", {"text": "some Big Room please"})
    assert _cos(vector, model.genre_vector("big room")) == pytest.approx(1.0, abs=1e-5)
    assert 0 < quality <= QUALITY_GENRES_ONLY
    assert model.embed("text", {"tokens": ["nothing known"]})[1] == QUALITY_FALLBACK


def test_payload_round_trips_through_json(model):
    payload = json.loads(json.dumps(model.to_payload()))
    rebuilt = MusicModel.from_payload(payload)
    assert rebuilt.version == "test-1"
    assert rebuilt.dimension == 32
    for attributes in ({"audio_features": FOLK, "genres": ["folk"], "popularity": 20}, {"genres": ["trap"]}):
        assert np.allclose(rebuilt.embed("track", attributes)[0], model.embed("track", attributes)[0], atol=1e-6)


def test_unsupported_resource_type_and_payload_format_are_refused(model):
    with pytest.raises(ValueError, match="Unsupported resource type"):
        model.embed("playlist", {})
    with pytest.raises(ValueError, match="format"):
        MusicModel.from_payload({**model.to_payload(), "format": 99})


@pytest.mark.parametrize("dimension", [4, 8, 16, 64])
def test_other_dimensions_work(corpus, dimension):
    fitted, metrics = fit_model(tracks=corpus, artist_genres=ARTIST_GENRES, dimension=dimension, version="d")
    vector, _ = fitted.embed("track", {"audio_features": RAP, "genres": ["trap"]})
    assert vector.shape == (dimension,)
    assert sum(block_sizes(dimension)) + 1 == dimension
    assert metrics["audio_explained_variance"] <= 1.0


def test_fitting_without_any_genres_still_embeds_audio(corpus):
    fitted, metrics = fit_model(tracks=corpus, artist_genres={}, dimension=32, version="no-genres")
    assert metrics["genres"] == 0
    assert fitted.embed("track", {"audio_features": EDM, "genres": ["edm"]})[1] == QUALITY_AUDIO_ONLY


def test_key_lies_on_the_circle_of_fifths():
    c, g, f_sharp = (np.array(key_on_circle_of_fifths(k)) for k in (0, 7, 6))
    assert np.dot(c, g) == pytest.approx(math.cos(2 * math.pi / 12))  # a fifth apart: neighbours
    assert np.dot(c, f_sharp) == pytest.approx(-1.0)  # the tritone: opposite
    assert key_on_circle_of_fifths(-1) == (0.0, 0.0)


def test_raw_audio_vector_needs_most_features():
    assert raw_audio_vector(None) is None
    assert raw_audio_vector({"energy": 0.5}) is None
    assert raw_audio_vector({**EDM, "tempo": None}) is not None


def test_query_mixes_resolved_and_name_seeds_by_seed_weight():
    a = np.array([1.0, 0.0, 0.0])
    b = np.array([0.0, 1.0, 0.0])
    assert np.allclose(build_query_vector(seed_vectors=[a], name_vectors=[b], seed_weight=0.0), a)
    assert np.allclose(build_query_vector(seed_vectors=[a], name_vectors=[b], seed_weight=1.0), b)
    half = build_query_vector(seed_vectors=[a], name_vectors=[b], seed_weight=0.5)
    assert np.allclose(half, np.array([1, 1, 0]) / math.sqrt(2), atol=1e-6)
    assert np.allclose(build_query_vector(seed_vectors=[], name_vectors=[b]), b)
    assert build_query_vector(seed_vectors=[], name_vectors=[]) is None
