"""The engine's settings: one pydantic-settings class read from the environment (and the repo's `.env`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    """Database selection follows Django's settings/base.py: DATABASE_URL, else POSTGRES_*, else the SQLite file."""

    model_config = SettingsConfigDict(env_file=REPO_ROOT / ".env", extra="ignore", case_sensitive=True)

    DATABASE_URL: str = ""
    POSTGRES_NAME: str = ""
    POSTGRES_USER: str = ""
    POSTGRES_PASSWORD: str = ""
    POSTGRES_HOST: str = ""
    POSTGRES_PORT: str = ""
    SQLITE_PATH: str = str(REPO_ROOT / "var" / "juke.sqlite3")

    RECOMMENDER_DB_POOL_MIN: int = Field(1, ge=0)
    RECOMMENDER_DB_POOL_MAX: int = Field(4, ge=1)
    RECOMMENDER_DB_TIMEOUT: float = Field(5.0, gt=0, description="Seconds to wait for a database connection.")
    RECOMMENDER_REFRESH_SECONDS: float = Field(5.0, gt=0, description="How often the index polls for changes.")
    RECOMMENDER_REFRESH_OVERLAP_SECONDS: float = Field(
        0.0, ge=0, description="Incremental reads start this long before the newest change seen (late commits)."
    )
    RECOMMENDER_FULL_RELOAD_SECONDS: float = Field(
        3600.0, ge=0, description="Reload everything at most this often (0: never) to catch what polling cannot see."
    )
    RECOMMENDER_LOAD_BATCH: int = Field(50_000, ge=100)
    RECOMMENDER_INDEX: Literal["exact", "approximate", "auto"] = "auto"
    RECOMMENDER_APPROXIMATE_THRESHOLD: int = Field(2_000_000, ge=1)
    RECOMMENDER_HNSW_M: int = Field(32, ge=4, le=128, description="Links per node of the approximate index's graph.")
    RECOMMENDER_HNSW_EF_CONSTRUCTION: int = Field(40, ge=8, description="Build-time search width (quality vs time).")
    RECOMMENDER_HNSW_EF_SEARCH: int = Field(256, ge=8, description="Query-time search width (recall vs latency).")
    RECOMMENDER_INLINE_ROWS: int = Field(
        100_000, ge=0, description="/recommend scores up to this many vectors on the event loop, more in a thread."
    )
    # Read in recommender_engine/app/__init__.py before numpy loads; listed here for completeness.
    RECOMMENDER_BLAS_THREADS: int = Field(1, ge=1)

    @property
    def uses_postgres(self) -> bool:
        if self.DATABASE_URL:
            return not self.DATABASE_URL.startswith("sqlite")
        return any(
            (self.POSTGRES_NAME, self.POSTGRES_USER, self.POSTGRES_PASSWORD, self.POSTGRES_HOST, self.POSTGRES_PORT)
        )

    @property
    def postgres_conninfo(self) -> str:
        """A libpq connection URL for psycopg."""
        if self.DATABASE_URL:
            return self.DATABASE_URL
        user = quote(self.POSTGRES_USER or "postgres", safe="")
        password = f":{quote(self.POSTGRES_PASSWORD, safe='')}" if self.POSTGRES_PASSWORD else ""
        host = self.POSTGRES_HOST or "127.0.0.1"
        port = self.POSTGRES_PORT or "5432"
        return f"postgresql://{user}{password}@{host}:{port}/{quote(self.POSTGRES_NAME or 'juke', safe='')}"

    @property
    def sqlite_file(self) -> str:
        if self.DATABASE_URL.startswith("sqlite"):
            path = unquote(urlsplit(self.DATABASE_URL).path)
            return (path[1:] if path.startswith("/") else path) or self.SQLITE_PATH  # as dj-database-url reads it
        return self.SQLITE_PATH


@lru_cache
def get_settings() -> Settings:
    return Settings()
