"""The recommender engine and the embedding model.

Imports nothing from settings.base, so scripts/dev.py can read where the API will look for the engine.
"""

from typing import Annotated

from pydantic import Field

from settings.environment import EnvironmentSettings, HttpUrl, read_environment


class Engine(EnvironmentSettings):
    RECOMMENDER_PORT: Annotated[int, Field(ge=1, le=65535)] = 9000
    # Set it only when the engine is not the local one on RECOMMENDER_PORT (another host, a compose service).
    RECOMMENDER_ENGINE_BASE_URL: HttpUrl | None = None
    RECOMMENDER_ENGINE_TIMEOUT: float = Field(15.0, ge=0.1)
    RECOMMENDER_VECTOR_DIM: int = Field(32, ge=4, le=1024)

    @property
    def base_url(self) -> str:
        return self.RECOMMENDER_ENGINE_BASE_URL or f"http://127.0.0.1:{self.RECOMMENDER_PORT}"


ENGINE = read_environment(Engine)
RECOMMENDER_PORT = ENGINE.RECOMMENDER_PORT
RECOMMENDER_ENGINE_BASE_URL = ENGINE.base_url
RECOMMENDER_ENGINE_TIMEOUT = ENGINE.RECOMMENDER_ENGINE_TIMEOUT
RECOMMENDER_VECTOR_DIM = ENGINE.RECOMMENDER_VECTOR_DIM
