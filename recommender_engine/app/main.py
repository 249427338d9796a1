"""The recommender engine: `uvicorn recommender_engine.app.main:app --port $RECOMMENDER_PORT` from the repo root."""

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from recommender_engine.app.api.main import api_router
from recommender_engine.app.core.config import get_settings
from recommender_engine.app.services.index_store import EngineState
from recommender_engine.app.services.repository import make_repository

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    state = EngineState(settings, make_repository(settings))
    app.state.engine = state
    await run_in_threadpool(state.start)  # first load before serving: /health answers once the index is ready
    try:
        yield
    finally:
        await run_in_threadpool(state.stop)


app = FastAPI(
    title="Juke recommender engine",
    description="Internal service: embeddings and top-k recommendations over the catalog's vectors.",
    lifespan=lifespan,
)
app.include_router(api_router)


def _json_safe(value: Any) -> Any:
    """NaN and infinities (which Python's JSON parser accepts) as strings: JSON cannot carry them."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


@app.exception_handler(RequestValidationError)
async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, except that an invalid NaN or infinity echoed back in `input` no longer turns it into a 500."""
    return JSONResponse(status_code=422, content={"detail": _json_safe(jsonable_encoder(error.errors()))})
