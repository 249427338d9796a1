"""The recommender engine: `uvicorn recommender_engine.app.main:app --port $RECOMMENDER_PORT` from the repo root."""

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from recommender_engine.app.api.main import api_router
from recommender_engine.app.core.config import get_settings
from recommender_engine.app.services.index_store import EngineState
from recommender_engine.app.services.repository import make_repository

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@asynccontextmanager
async def lifespan(app: FastAPI):
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
