"""The engine answers hostile bodies with a 4xx, never a 500 (nor a dropped connection)."""

import pytest

from recommender_engine.tests.test_http import ROCK

pytestmark = pytest.mark.integration


@pytest.fixture
def indexed(engine, engine_db):
    engine_db.add("tracks", "Rock Seed", ROCK)
    engine.post("/refresh").raise_for_status()


@pytest.mark.parametrize(
    "body",
    [
        '{"seed_weight": NaN, "artists": ["x"]}',
        '{"seed_weight": 1e400, "seed_vectors": [[1, 0, 0, 0]]}',
        '{"limit": NaN, "seed_vectors": [[1, 0, 0, 0]]}',
        '{"limit": -Infinity, "seed_vectors": [[1, 0, 0, 0]]}',
        '{"artists": [NaN]}',
    ],
)
def test_a_non_finite_number_in_an_invalid_field_is_422_with_a_json_body(engine, indexed, body):
    response = engine.post("/recommend", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422
    errors = response.json()["detail"]
    assert errors
    assert all("loc" in error and "msg" in error for error in errors)


def test_a_non_finite_number_in_an_embed_body_is_a_4xx(engine, indexed):
    response = engine.post(
        "/embed", content='{"resource_type": NaN, "attributes": {}}', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "resource_type"]


def test_a_valid_request_still_answers_after_hostile_ones(engine, indexed):
    engine.post("/recommend", content='{"seed_weight": 1e400}', headers={"content-type": "application/json"})

    response = engine.post("/recommend", json={"seed_vectors": [ROCK.tolist()], "limit": 1})

    assert response.status_code == 200, response.text
