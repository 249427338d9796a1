"""The engine over HTTP: a real uvicorn process reading a real database (SQLite file, or PostgreSQL when set)."""

import time
from typing import Any

import httpx
import numpy as np
import pytest

from juke_ml.model import fit_model
from recommender_engine.app.schemas import EmbedResponse, HealthResponse, RecommendResponse
from recommender_engine.tests.conftest import EngineProcess, load_fixture, unit

pytestmark = pytest.mark.integration

DIM = 4
ROCK, POP = unit([1, 0, 0, 0]), unit([0, 1, 0, 0])
JAZZ = unit([-0.1, 0, 1, 0])  # slightly opposed to rock: no exact ties with pop in rankings


def near(base, amount: float, axis: int = 3):
    vector = np.array(base, dtype=np.float32)
    vector[axis] += amount
    return unit(vector)


def names(results: list[dict[str, Any]]) -> list[str]:
    return [result["name"] for result in results]


def shape_of(value):
    """The JSON structure of a value (keys and value types), to compare a response with the shared examples."""
    if isinstance(value, dict):
        return {key: shape_of(item) for key, item in value.items() if key != "metadata"}
    if isinstance(value, list):
        return [shape_of(value[0])] if value else []
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__


def assert_same_shape(actual: dict[str, Any], example: dict[str, Any]) -> None:
    actual_shape, example_shape = shape_of(actual), shape_of(example)
    for key, expected in example_shape.items():
        assert key in actual_shape, f"{key} missing from the response"
        comparable = (
            (expected != [] and actual_shape[key] != []) if isinstance(expected, list) else actual[key] is not None
        )
        if comparable:
            assert actual_shape[key] == expected, key


@pytest.fixture
def catalog(engine, engine_db):
    """Three rock tracks (one very close to the seed), two pop tracks, a jazz track; two artists; one album."""
    ids = {
        "Rock Seed": engine_db.add("tracks", "Rock Seed", ROCK),
        "Rock Twin": engine_db.add("tracks", "Rock Twin", near(ROCK, 0.1), metadata={"genres": ["rock"]}),
        "Rock Cousin": engine_db.add("tracks", "Rock Cousin", near(ROCK, 0.6)),
        "Pop Song": engine_db.add("tracks", "Pop Song", POP),
        "Pop Rock Song": engine_db.add("tracks", "Pop Rock Song", unit(ROCK + POP)),
        "Jazz Tune": engine_db.add("tracks", "Jazz Tune", JAZZ, quality=0.5),
        "Rockers": engine_db.add("artists", "Rockers", near(ROCK, 0.2)),
        "Jazz Cats": engine_db.add("artists", "Jazz Cats", JAZZ),
        "Rock Album": engine_db.add("albums", "Rock Album", near(ROCK, 0.3)),
    }
    engine.post("/refresh").raise_for_status()
    return ids


def test_health_counts_items_per_type(engine, catalog):
    body = engine.get("/health").json()

    assert body["status"] == "ok"
    assert body["indexed"] == {"artists": 2, "albums": 1, "tracks": 6}
    assert body["index"] == "exact"
    assert body["last_refresh"].endswith("Z")
    HealthResponse.model_validate(body)
    assert_same_shape(body, load_fixture("health_response.json"))


def test_recommend_ranks_by_similarity_and_maps_likeness(engine, catalog):
    response = engine.post("/recommend", json={"seed_vectors": [ROCK.tolist()], "resource_types": ["tracks"]})

    assert response.status_code == 200, response.text
    body = response.json()
    assert names(body["tracks"]) == ["Rock Seed", "Rock Twin", "Rock Cousin", "Pop Rock Song", "Pop Song", "Jazz Tune"]
    likeness = [track["likeness"] for track in body["tracks"]]
    assert likeness[0] == 1.0
    assert likeness == sorted(likeness, reverse=True)
    assert likeness[-1] == 0.0  # orthogonal: cosine 0
    assert body["artists"] == []
    assert body["albums"] == []
    assert body["generated_at"].endswith("Z")
    RecommendResponse.model_validate(body)
    assert_same_shape(body, load_fixture("recommend_response.json"))


def test_recommend_returns_extra_with_spotify_id_version_quality_and_metadata(engine, catalog):
    body = engine.post("/recommend", json={"seed_vectors": [ROCK.tolist()], "limit": 2}).json()

    twin = body["tracks"][1]
    assert twin["extra"] == {
        "spotify_id": catalog["Rock Twin"],
        "model_version": "test-v1",
        "quality_score": 1.0,
        "metadata": {"genres": ["rock"]},
    }
    assert names(body["artists"]) == ["Rockers", "Jazz Cats"]
    assert names(body["albums"]) == ["Rock Album"]


def test_excluded_spotify_ids_never_come_back(engine, catalog):
    body = engine.post(
        "/recommend",
        json={
            "seed_vectors": [ROCK.tolist()],
            "exclude_spotify_ids": [catalog["Rock Seed"], catalog["Rock Twin"]],
            "limit": 2,
            "resource_types": ["tracks"],
        },
    ).json()

    assert names(body["tracks"]) == ["Rock Cousin", "Pop Rock Song"]


def test_name_seeds_resolve_case_insensitively_and_are_not_returned(engine, catalog):
    body = engine.post(
        "/recommend",
        json={"tracks": ["  rock SEED "], "artists": ["JAZZ CATS"], "resource_types": ["tracks", "artists"]},
    ).json()

    assert body["unresolved"] == []
    assert "Rock Seed" not in names(body["tracks"])
    assert "Jazz Cats" not in names(body["artists"])
    # Query = mean of ROCK and JAZZ: the jazz tune and the rock twin lead.
    assert set(names(body["tracks"])[:2]) == {"Rock Twin", "Jazz Tune"}


def test_unresolved_names_are_reported_when_other_seeds_resolve(engine, catalog):
    body = engine.post("/recommend", json={"tracks": ["Rock Seed", "No Such Song"], "limit": 1}).json()

    assert body["unresolved"] == ["No Such Song"]
    assert names(body["tracks"]) == ["Rock Twin"]


def test_seed_weight_mixes_name_seeds_with_seed_vectors(engine, catalog):
    def top_track(seed_weight: float) -> str:
        body = engine.post(
            "/recommend",
            json={
                "tracks": ["Pop Song"],
                "seed_vectors": [JAZZ.tolist()],
                "seed_weight": seed_weight,
                "limit": 1,
                "resource_types": ["tracks"],
            },
        ).json()
        return str(body["tracks"][0]["name"])

    assert top_track(0.0) == "Jazz Tune"
    assert top_track(1.0) == "Pop Rock Song"  # the seed itself is excluded


def test_no_seed_is_a_400(engine, catalog):
    response = engine.post("/recommend", json={})

    assert response.status_code == 400
    assert response.json() == {"detail": "At least one seed is required."}


def test_only_unresolved_names_is_a_400_naming_them(engine, catalog):
    response = engine.post("/recommend", json={"artists": ["Nobody At All"]})

    assert response.status_code == 400
    assert response.json() == load_fixture("recommend_error_no_seed.json")


def test_seed_vector_of_wrong_dimension_is_a_400(engine, catalog):
    response = engine.post("/recommend", json={"seed_vectors": [[1.0, 0.0]]})

    assert response.status_code == 400
    assert response.json()["detail"] == "Seed vector 0 has dimension 2; expected 4."


@pytest.mark.parametrize(
    "body",
    [
        {"seed_vectors": [[1, 0, 0, 0]], "limit": 0},
        {"seed_vectors": [[1, 0, 0, 0]], "limit": 51},
        {"seed_vectors": [[1, 0, 0, 0]], "resource_types": ["playlists"]},
        {"seed_vectors": [[1, 0, 0, 0]], "resource_types": []},
        {"seed_vectors": [[1, 0, 0, 0]], "seed_weight": 1.5},
        {"artists": "Rockers"},
        {"seed_vectors": [[1, 0, 0, 0]], "unknown_field": 1},
    ],
)
def test_schema_errors_are_422(engine, catalog, body):
    assert engine.post("/recommend", json=body).status_code == 422


def test_catalogs_above_the_inline_size_are_scored_in_the_thread_pool_with_the_same_answers(
    engine, engine_db, catalog, tmp_path
):
    bodies = [
        {"tracks": ["rock seed"], "genres": ["none-such"], "limit": 3},
        {"seed_vectors": [ROCK.tolist()], "exclude_spotify_ids": [catalog["Rock Twin"]], "resource_types": ["tracks"]},
        {"seed_vectors": [[1, 0]]},  # a 400
    ]
    env = {**engine_db.env, "RECOMMENDER_INDEX": "exact", "RECOMMENDER_INLINE_ROWS": "0"}  # every request: a thread
    pooled = EngineProcess(env, tmp_path / "engine.log")
    try:
        with httpx.Client(base_url=pooled.url, timeout=30) as client:
            answers = [client.post("/recommend", json=body) for body in bodies]
    finally:
        pooled.stop()

    for body, answer in zip(bodies, answers, strict=True):
        inline = engine.post("/recommend", json=body)
        assert answer.status_code == inline.status_code
        assert {**answer.json(), "generated_at": None} == {**inline.json(), "generated_at": None}
    assert [answer.status_code for answer in answers] == [200, 200, 400]
    assert names(answers[0].json()["tracks"]) == ["Rock Twin", "Rock Cousin", "Pop Rock Song"]


def test_refresh_picks_up_new_changed_and_deleted_embeddings_without_restart(engine, engine_db, catalog):
    newcomer = engine_db.add("tracks", "Brand New Rock", near(ROCK, 0.05))
    engine_db.update_vector("tracks", catalog["Jazz Tune"], near(ROCK, 0.01))
    engine_db.delete("tracks", catalog["Rock Cousin"])
    assert engine.post("/refresh").json()["indexed"]["tracks"] == 6

    body = engine.post("/recommend", json={"tracks": ["Rock Seed"], "limit": 3, "resource_types": ["tracks"]}).json()

    assert names(body["tracks"]) == ["Jazz Tune", "Brand New Rock", "Rock Twin"]
    assert body["tracks"][1]["extra"]["spotify_id"] == newcomer


def test_background_poll_picks_up_new_embeddings(engine, engine_db, catalog):
    engine_db.add("artists", "Late Rockers", ROCK)

    deadline = time.monotonic() + 10
    while engine.get("/health").json()["indexed"]["artists"] != 3:
        assert time.monotonic() < deadline, "the poll did not pick up the new artist"
        time.sleep(0.1)
    body = engine.post("/recommend", json={"seed_vectors": [ROCK.tolist()], "resource_types": ["artists"]}).json()
    assert names(body["artists"])[0] == "Late Rockers"


def _tiny_model(version: str):
    rng = np.random.default_rng(0)
    tracks = [
        {
            "audio_features": {
                "danceability": float(rng.random()),
                "energy": float(rng.random()),
                "key": int(rng.integers(0, 12)),
                "loudness": -6.0,
                "mode": 1,
                "speechiness": 0.05,
                "acousticness": float(rng.random()),
                "instrumentalness": 0.0,
                "liveness": 0.1,
                "valence": float(rng.random()),
                "tempo": 120.0,
            },
            "popularity": 50,
        }
        for _ in range(40)
    ]
    artist_genres = {
        "a": ["rock", "hard rock"],
        "b": ["rock", "metal"],
        "c": ["metal", "hard rock"],
        "d": ["pop", "dance pop"],
        "e": ["pop", "electropop"],
        "f": ["jazz", "bebop"],
        "g": ["jazz", "swing"],
    }
    model, _ = fit_model(tracks=tracks, artist_genres=artist_genres, dimension=16, version=version)
    return model


@pytest.fixture
def model_catalog(engine, engine_db):
    """A trained (tiny) active model and items embedded with it."""
    model = _tiny_model("tiny-v1")
    engine_db.activate_model(model.to_payload(), model.version, model.dimension)
    for name, genres in [("Metal Heads", ["metal"]), ("Pop Stars", ["dance pop"]), ("Swingers", ["swing"])]:
        vector, quality = model.embed("artist", {"genres": genres, "name": name})
        engine_db.add(
            "artists", name, vector, quality=quality, model_version=model.version, metadata={"genres": genres}
        )
    engine.post("/refresh").raise_for_status()
    return model


def test_genre_seeds_use_the_models_genre_vectors(engine, model_catalog):
    body = engine.post("/recommend", json={"genres": ["Hard Rock"], "resource_types": ["artists"], "limit": 3}).json()

    assert names(body["artists"])[0] == "Metal Heads"
    assert body["model_version"] == "tiny-v1"
    assert body["artists"][0]["extra"]["metadata"] == {"genres": ["metal"]}


def test_unknown_genre_only_is_a_400(engine, model_catalog):
    response = engine.post("/recommend", json={"genres": ["polka-step"]})

    assert response.status_code == 400
    assert "polka-step" in response.json()["detail"]


def test_embed_uses_the_active_model(engine, model_catalog):
    response = engine.post("/embed", json=load_fixture("embed_request.json"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == "tiny-v1"
    assert len(body["vector"]) == 16
    assert abs(np.linalg.norm(body["vector"]) - 1.0) < 1e-4
    assert body["metadata"]["resource_type"] == "track"
    assert 0.0 <= body["quality"] <= 1.0
    EmbedResponse.model_validate(body)
    assert_same_shape(body, load_fixture("embed_response.json"))
    expected, _ = model_catalog.embed("track", load_fixture("embed_request.json")["attributes"])
    assert np.allclose(body["vector"], expected, atol=1e-5)


def test_new_active_model_reloads_everything(engine, engine_db, model_catalog):
    newer = _tiny_model("tiny-v2")
    engine_db.activate_model(newer.to_payload(), newer.version, newer.dimension)

    health = engine.post("/refresh").json()

    assert health["model_version"] == "tiny-v2"
    assert (
        engine.post("/embed", json={"resource_type": "text", "attributes": {"text": "jazz"}}).json()["model_version"]
        == "tiny-v2"
    )


def test_embed_without_a_model_is_a_503(engine, catalog):
    response = engine.post("/embed", json={"resource_type": "artist", "attributes": {"name": "X"}})

    assert response.status_code == 503
    assert response.json() == load_fixture("embed_error_no_model.json")


def test_embed_with_an_unknown_resource_type_is_a_422(engine, model_catalog):
    assert engine.post("/embed", json={"resource_type": "playlist", "attributes": {}}).status_code == 422


UNAVAILABLE_DATABASES = {
    "sqlite-file-missing": {"SQLITE_PATH": "{tmp}/missing.sqlite3"},
    "postgres-down": {"POSTGRES_NAME": "juke", "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "{closed_port}"},
}


@pytest.mark.parametrize("database", UNAVAILABLE_DATABASES)
def test_database_unavailable_and_nothing_cached_is_a_503(tmp_path, database):
    from recommender_engine.tests.conftest import POSTGRES_VARIABLES, free_port  # noqa: PLC0415 - the engine tests' conftest is pytest's to load first

    env = {"DATABASE_URL": None, **dict.fromkeys(POSTGRES_VARIABLES), "RECOMMENDER_DB_TIMEOUT": "1"}
    closed_port = str(free_port())
    env.update(
        {
            key: value.format(tmp=tmp_path, closed_port=closed_port)
            for key, value in UNAVAILABLE_DATABASES[database].items()
        }
    )
    process = EngineProcess(env, tmp_path / "engine.log")
    try:
        with httpx.Client(base_url=process.url, timeout=10) as client:
            recommend = client.post("/recommend", json={"seed_vectors": [[1, 0, 0, 0]]})
            refresh = client.post("/refresh")
            health = client.get("/health")
    finally:
        process.stop()

    assert recommend.status_code == 503
    assert recommend.json() == load_fixture("error_unavailable.json")
    assert refresh.status_code == 503
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
