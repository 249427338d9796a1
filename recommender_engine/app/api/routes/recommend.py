from typing import Any

from fastapi import APIRouter, HTTPException

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


# Plain `def` routes: FastAPI runs them in its thread pool, so numpy work never blocks the event loop.
@router.post("/recommend", response_model=RecommendResponse, responses=ERRORS)
def recommend(body: RecommendRequest, snapshot: SnapshotDep) -> RecommendResponse:
    """Artists, albums and tracks most like the seeds (names, genres and/or vectors)."""
    try:
        return service.recommend(snapshot, body)
    except service.EngineError as error:
        raise HTTPException(status_code=error.status_code, detail=error.detail) from error


@router.post("/embed", response_model=EmbedResponse, responses=ERRORS)
def embed(body: EmbedRequest, snapshot: SnapshotDep) -> EmbedResponse:
    """The active model's vector for one item (or free text) described by its attributes."""
    try:
        return service.embed(snapshot, body)
    except service.EngineError as error:
        raise HTTPException(status_code=error.status_code, detail=error.detail) from error
