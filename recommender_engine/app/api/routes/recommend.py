from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from recommender_engine.app.api.deps import SnapshotDep
from recommender_engine.app.schemas import (
    EmbedRequest,
    EmbedResponse,
    ErrorResponse,
    RecommendRequest,
    RecommendResponse,
)
from recommender_engine.app.services import recommend as service

router = APIRouter(tags=["recommendations"])
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}


def json_response(body: RecommendResponse | EmbedResponse) -> Response:
    """The body serialised once, by pydantic-core: the service built it from validated parts, so FastAPI's
    `response_model` pass (validate again, then `jsonable_encoder`) would only repeat work (`response_model` stays
    for the OpenAPI schema)."""
    return Response(body.model_dump_json(), media_type="application/json")


# Plain `def` routes: FastAPI runs them in its thread pool, so numpy work never blocks the event loop.
@router.post("/recommend", response_model=RecommendResponse, responses=ERRORS)
def recommend(body: RecommendRequest, snapshot: SnapshotDep) -> Response:
    """Artists, albums and tracks most like the seeds (names, genres and/or vectors)."""
    try:
        return json_response(service.recommend(snapshot, body))
    except service.EngineError as error:
        raise HTTPException(status_code=error.status_code, detail=error.detail) from error


@router.post("/embed", response_model=EmbedResponse, responses=ERRORS)
def embed(body: EmbedRequest, snapshot: SnapshotDep) -> Response:
    """The active model's vector for one item (or free text) described by its attributes."""
    try:
        return json_response(service.embed(snapshot, body))
    except service.EngineError as error:
        raise HTTPException(status_code=error.status_code, detail=error.detail) from error
