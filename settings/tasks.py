"""Celery configuration (read by settings/celery.py through the CELERY_ namespace)."""

from celery.schedules import crontab
from pydantic import Field

from settings.environment import EnvironmentSettings, read_environment


class Tasks(EnvironmentSettings):
    CELERY_BROKER_URL: str = ""
    CELERY_RESULT_BACKEND: str = ""
    CELERY_TASK_ALWAYS_EAGER: bool = False
    CELERY_VISIBILITY_TIMEOUT: int = Field(3600, ge=1)
    CELERY_TASK_SOFT_TIME_LIMIT: int = Field(1800, ge=1)
    # Several deployments (or test runs) can share one Redis: every key the broker writes gets this prefix.
    CELERY_REDIS_KEY_PREFIX: str = ""


TASKS = read_environment(Tasks)

# With no broker configured (the embedded default), tasks run inline in the calling process.
CELERY_BROKER_URL = TASKS.CELERY_BROKER_URL
CELERY_RESULT_BACKEND = TASKS.CELERY_RESULT_BACKEND or CELERY_BROKER_URL or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL or TASKS.CELERY_TASK_ALWAYS_EAGER
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"

# The Redis transport re-delivers an unacknowledged task after this many seconds; it must exceed the
# longest task, because tasks are acknowledged late (after they finish).
CELERY_VISIBILITY_TIMEOUT = TASKS.CELERY_VISIBILITY_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "catalog.*": {"queue": "catalog"},
    "recommender.*": {"queue": "recommender"},
}
# A task killed with its worker runs again instead of being lost; tasks are written to be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = TASKS.CELERY_TASK_SOFT_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "UTC"

CELERY_BEAT_SCHEDULE = {
    # Every day at 03:00 UTC, refresh the genre list from Spotify.
    "sync-spotify-genres-daily": {
        "task": "catalog.tasks.sync_spotify_genres",
        "schedule": crontab(hour=3, minute=0),
    },
    # Every 10 minutes, embed catalog items that are new or changed since they were last embedded.
    "embed-stale-items": {
        "task": "recommender.tasks.embed_stale_items",
        "schedule": crontab(minute="*/10"),
    },
    # Every 10 minutes (offset by 5), import each linked user's new Spotify plays, one task per user.
    "import-spotify-history": {
        "task": "listening.spotify_history_sync_all",
        "schedule": crontab(minute="5-59/10"),
    },
    # Every 15 minutes, match listens the catalog did not know yet to the tracks it has learnt since.
    "match-unmatched-listens": {
        "task": "listening.listens_match_unmatched",
        "schedule": crontab(minute="*/15"),
    },
}

CELERY_REDIS_KEY_PREFIX = TASKS.CELERY_REDIS_KEY_PREFIX
if CELERY_REDIS_KEY_PREFIX:
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = CELERY_REDIS_KEY_PREFIX
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["global_keyprefix"] = CELERY_REDIS_KEY_PREFIX
