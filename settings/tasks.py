"""Celery configuration (read by settings/celery.py through the CELERY_ namespace)."""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from pydantic import Field

from settings.environment import EnvironmentSettings, read_environment


class Tasks(EnvironmentSettings):
    CELERY_BROKER_URL: str = ""
    CELERY_RESULT_BACKEND: str = ""
    CELERY_TASK_ALWAYS_EAGER: bool = False
    CELERY_VISIBILITY_TIMEOUT: int = Field(300, ge=1)
    CELERY_TASK_SOFT_TIME_LIMIT: int | None = Field(None, ge=1)  # default: 80 % of the visibility timeout
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

# The Redis transport re-delivers an unacknowledged task after this many seconds (tasks are acknowledged late,
# after they finish): a task lost with its worker runs again within minutes. No task may outlive it (the hard
# time limit below is shorter), or a running task would be delivered a second time.
CELERY_VISIBILITY_TIMEOUT = TASKS.CELERY_VISIBILITY_TIMEOUT
# Enqueueing while Redis is down fails within about a second (then a JSON 503), instead of retrying for 20 s.
_FAIL_FAST = {"socket_connect_timeout": 1, "retry_policy": {"max_retries": 1, "interval_start": 0}}
# Workers look for tasks past their visibility timeout every 10 s x 3 (kombu's default, 10 x 10, adds 100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_throttle": 3,
    **_FAIL_FAST,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT, **_FAIL_FAST}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
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
# A task gets SoftTimeLimitExceeded at the soft limit (default 80 % of the visibility timeout) and is killed
# half-way between it and the visibility timeout: it never runs long enough to be delivered twice.
CELERY_TASK_SOFT_TIME_LIMIT = TASKS.CELERY_TASK_SOFT_TIME_LIMIT or CELERY_VISIBILITY_TIMEOUT * 0.8
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        f"CELERY_TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT}) must be shorter than CELERY_VISIBILITY_TIMEOUT "
        f"({CELERY_VISIBILITY_TIMEOUT}), or a task still running is delivered to a second worker."
    )
CELERY_TASK_TIME_LIMIT = (CELERY_TASK_SOFT_TIME_LIMIT + CELERY_VISIBILITY_TIMEOUT) / 2
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "UTC"

CELERY_BEAT_SCHEDULE = {
    # Every day at 03:00 UTC, refresh the genre list from Spotify.
    "sync-spotify-genres-daily": {
        "task": "catalog.tasks.sync_spotify_genres",
        "schedule": crontab(hour=3, minute=0),
    },
    # Every 6 hours, rebuild the featured genres (cached 24 h) so no request waits for Spotify's 20 searches.
    "refresh-featured-genres": {
        "task": "catalog.tasks.refresh_featured_genres",
        "schedule": crontab(hour="*/6", minute=15),
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
    # Every day at 04:30 UTC, delete expired API tokens (authentication refuses them; this keeps the table small).
    "purge-expired-auth-tokens": {
        "task": "juke_auth.auth_tokens_purge_expired",
        "schedule": crontab(hour=4, minute=30),
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
