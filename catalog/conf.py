"""Catalog tunables: a Django setting of the same name wins, else the environment, else the default."""

from django.conf import settings

from settings.env import env_float, env_int


def catalog_setting(name: str):
    if hasattr(settings, name):
        return getattr(settings, name)
    return DEFAULTS[name]()


DEFAULTS = {
    # Filtered lists count exactly up to this many matches, then estimate (see catalog.pagination).
    "CATALOG_COUNT_CAP": lambda: env_int("CATALOG_COUNT_CAP", 1_000, minimum=1),
    # Unfiltered lists on PostgreSQL report pg_class.reltuples above this many rows.
    "CATALOG_ESTIMATED_COUNT_THRESHOLD": lambda: env_int("CATALOG_ESTIMATED_COUNT_THRESHOLD", 100_000, minimum=0),
    # First backoff step of the Spotify adapter's retries (doubles per attempt, plus jitter).
    "SPOTIFY_RETRY_BACKOFF_SECONDS": lambda: env_float("SPOTIFY_RETRY_BACKOFF_SECONDS", 0.5, minimum=0),
}
