"""The recommender engine and the embedding model."""

from settings.base import RECOMMENDER_PORT
from settings.env import env_float, env_int, env_url

RECOMMENDER_ENGINE_BASE_URL = env_url("RECOMMENDER_ENGINE_BASE_URL", f"http://127.0.0.1:{RECOMMENDER_PORT}")
# Read timeout (s): the engine answers in milliseconds, so a slow answer means a hung engine (bench/RESULTS.md).
RECOMMENDER_ENGINE_TIMEOUT = env_float("RECOMMENDER_ENGINE_TIMEOUT", 0.5, minimum=0.05)
RECOMMENDER_VECTOR_DIM = env_int("RECOMMENDER_VECTOR_DIM", 32, minimum=4, maximum=1024)
