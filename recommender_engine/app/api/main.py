from fastapi import APIRouter

from recommender_engine.app.api.routes import health, recommend

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(recommend.router)
