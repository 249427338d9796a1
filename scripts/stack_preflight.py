"""`make stack` preflight: the production-like stack needs PostgreSQL and Redis configured and reachable."""

import os
import sys
from pathlib import Path

from dotenv import load_dotenv

load_dotenv(Path(__file__).resolve().parent.parent / ".env", override=False)

HOW_TO = (
    "make stack runs on PostgreSQL + Redis. In .env, uncomment the 'services' lines:\n"
    "  POSTGRES_NAME/USER/PASSWORD/HOST/PORT (or DATABASE_URL), CELERY_BROKER_URL and CACHE_URL.\n"
    "For the embedded defaults use `make run` instead."
)
problems = []
if not (os.environ.get("DATABASE_URL") or os.environ.get("POSTGRES_NAME") or os.environ.get("POSTGRES_HOST")):
    problems.append("no PostgreSQL configured (POSTGRES_* or DATABASE_URL)")
if not os.environ.get("CELERY_BROKER_URL", "").startswith(("redis://", "rediss://")):
    problems.append("CELERY_BROKER_URL is not a redis:// URL")
if problems:
    sys.exit("Cannot start the stack: " + "; ".join(problems) + ".\n" + HOW_TO)

import redis  # noqa: E402

try:
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"], socket_connect_timeout=2).ping()
except redis.RedisError as error:
    sys.exit(f"Redis at CELERY_BROKER_URL does not answer: {error}")
print("Stack preflight: PostgreSQL and Redis are configured.")
