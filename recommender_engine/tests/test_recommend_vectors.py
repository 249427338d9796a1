"""`include_vectors`: each result's vector in its extra (base64 of little-endian float32), only when asked for."""

import base64

import numpy as np
import pytest

from recommender_engine.tests.conftest import unit

pytestmark = pytest.mark.integration


@pytest.fixture
def vectors(engine, engine_db) -> dict[str, np.ndarray]:
    stored = {"Near": unit([1, 0.1, 0, 0]), "Far": unit([0, 1, 0.2, 0]), "Middle": unit([1, 1, 0, 0])}
    for name, vector in stored.items():
        engine_db.add("tracks", name, vector)
    engine.post("/refresh").raise_for_status()
    return stored


def test_results_carry_their_stored_vector_when_asked_for(engine, vectors):
    body = engine.post(
        "/recommend", json={"seed_vectors": [[1, 0, 0, 0]], "resource_types": ["tracks"], "include_vectors": True}
    ).json()

    assert [item["name"] for item in body["tracks"]] == ["Near", "Middle", "Far"]
    for item in body["tracks"]:
        sent = np.frombuffer(base64.b64decode(item["extra"]["vector"]), dtype="<f4")
        assert np.allclose(sent, vectors[item["name"]], atol=1e-6)


def test_results_carry_no_vector_by_default(engine, vectors):
    body = engine.post("/recommend", json={"seed_vectors": [[1, 0, 0, 0]], "resource_types": ["tracks"]}).json()

    assert body["tracks"]
    assert all("vector" not in item["extra"] for item in body["tracks"])
