"""Request/response schemas and the shared JSON examples in tests/fixtures/engine/."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from recommender_engine.app.schemas import (
    EmbedRequest,
    EmbedResponse,
    ErrorResponse,
    HealthResponse,
    RecommendRequest,
    RecommendResponse,
)
from recommender_engine.tests.conftest import load_fixture


@pytest.mark.parametrize(
    ("schema", "fixture"),
    [
        (HealthResponse, "health_response.json"),
        (EmbedRequest, "embed_request.json"),
        (EmbedResponse, "embed_response.json"),
        (RecommendRequest, "recommend_request.json"),
        (RecommendResponse, "recommend_response.json"),
        (ErrorResponse, "recommend_error_no_seed.json"),
        (ErrorResponse, "error_unavailable.json"),
        (ErrorResponse, "embed_error_no_model.json"),
    ],
)
def test_examples_validate_and_round_trip(schema, fixture):
    example = load_fixture(fixture)

    parsed = schema.model_validate(example)

    assert schema.model_validate(parsed.model_dump(mode="json")) == parsed


def test_recommend_request_defaults():
    request = RecommendRequest()

    assert request.limit == 10
    assert request.seed_weight == 0.5
    assert request.resource_types == ["artists", "albums", "tracks"]
    assert request.artists == request.exclude_spotify_ids == []
    assert request.seed_vectors == []


def test_recommend_request_strips_names_and_drops_blank_ones():
    assert RecommendRequest(artists=["  Queen ", " ", ""]).artists == ["Queen"]


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 0},
        {"limit": 51},
        {"seed_weight": -0.1},
        {"resource_types": ["songs"]},
        {"resource_types": []},
        {"surprise": True},
    ],
)
def test_recommend_request_rejects(body):
    with pytest.raises(ValidationError):
        RecommendRequest.model_validate(body)


def test_times_are_utc_with_z():
    response = RecommendResponse(model_version="v", generated_at=datetime(2026, 11, 24, 1, 2, 3, 456000, tzinfo=UTC))

    assert response.model_dump(mode="json")["generated_at"] == "2026-11-24T01:02:03.456Z"
