from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from recommender_engine.app.api.deps import SnapshotDep, get_snapshot
from recommender_engine.app.core.config import get_settings
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


def json_response(body: EmbedResponse) -> Response:
    """The body serialised once, by pydantic-core: the service built it from validated parts, so FastAPI's
    `response_model` pass (validate again, then `jsonable_encoder`) would only repeat work (`response_model` stays
    for the OpenAPI schema)."""
    return Response(body.model_dump_json(), media_type="application/json")


@router.post("/recommend", response_model=RecommendResponse, responses=ERRORS)
async def recommend(body: RecommendRequest, request: Request) -> Response:
    """Artists, albums and tracks most like the seeds (names, genres and/or vectors)."""
    snapshot = get_snapshot(request)  # no Depends: FastAPI would call a plain function in the thread pool
    try:
        # Scoring a small catalog takes less than handing the request to the thread pool and back (which costs
        # milliseconds when the cores are busy): up to RECOMMENDER_INLINE_ROWS vectors it runs on the event loop,
        # larger ones in the pool so that /health and other requests are not held up.
        if service.rows_to_score(snapshot, body) <= get_settings().RECOMMENDER_INLINE_ROWS:
            content = service.recommend_json(snapshot, body)
        else:
            content = await run_in_threadpool(service.recommend_json, snapshot, body)
    except service.EngineError as error:
        raise HTTPException(status_code=error.status_code, detail=error.detail) from error
    return Response(content, media_type="application/json")


# Plain `def` route: FastAPI runs it in its thread pool, so the model's work never blocks the event loop.
@router.post("/embed", response_model=EmbedResponse, responses=ERRORS)
def embed(body: EmbedRequest, snapshot: SnapshotDep) -> Response:
    """The active model's vector for one item (or free text) described by its attributes."""
    try:
        return json_response(service.embed(snapshot, body))
    except service.EngineError as error:
        raise HTTPException(status_code=error.status_code, detail=error.detail) from error
