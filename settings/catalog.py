"""Catalog lists: how far a search counts exactly before it estimates; how long whole answers are kept."""

from pydantic import Field

from settings.environment import EnvironmentSettings, read_environment


class Catalog(EnvironmentSettings):
    # Filtered lists count exactly up to this many matches, then estimate (see catalog.pagination).
    CATALOG_COUNT_CAP: int = Field(1_000, ge=1)
    # Unfiltered lists on PostgreSQL report pg_class.reltuples above this many rows.
    CATALOG_ESTIMATED_COUNT_THRESHOLD: int = Field(100_000, ge=0)
    # Hot public reads (catalog lists and details, recommendations by catalog seeds) are answered from the shared
    # cache until the catalog changes (core.answer_cache); this bounds an answer's life if a change is missed
    # while Redis is unreachable. None: on when CACHE_URL (Redis) is set; 0: off.
    ANSWER_CACHE_SECONDS: int | None = Field(None, ge=0)


CATALOG = read_environment(Catalog)
CATALOG_COUNT_CAP = CATALOG.CATALOG_COUNT_CAP
CATALOG_ESTIMATED_COUNT_THRESHOLD = CATALOG.CATALOG_ESTIMATED_COUNT_THRESHOLD
