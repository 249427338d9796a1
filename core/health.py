"""Health of the services the API depends on: database, cache, broker, recommender engine."""

import logging
import time
import uuid

import httpx
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from settings.celery import app

logger = logging.getLogger(__name__)

# A load balancer probes often and gives up after a few seconds: no single check may take longer than this.
CHECK_TIMEOUT_SECONDS = 1.0


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check()
        status = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, never raised
        # /healthz is public: the message (hosts, user names, URLs) goes to the log, only its kind to the answer.
        logger.warning("Health check %s failed: %s: %s", getattr(check, "__name__", check), type(error).__name__, error)
        detail = f"{type(error).__name__} (details in the API log)"
        status = "error"
    result = {"status": status, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    if detail:
        result["detail"] = detail
    return result


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.vendor


def _check_cache() -> str:
    if hasattr(cache, "ping"):  # core.cache.FailOpenRedisCache hides outages from its callers, not from us
        cache.ping()
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("value written was not read back")
    cache.delete(key)
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "no broker configured: tasks run inline"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_TIMEOUT_SECONDS)
    return conn.transport_cls if isinstance(conn.transport_cls, str) else "connected"


def _check_engine() -> str:
    response = httpx.get(f"{settings.RECOMMENDER_ENGINE_BASE_URL}/health", timeout=CHECK_TIMEOUT_SECONDS)
    response.raise_for_status()
    payload = response.json()
    return f"model {payload.get('model_version') or 'not trained yet (run manage.py retrain)'}"


def health_report() -> tuple[int, dict]:
    """Check every component; returns the HTTP status and the report.

    `ok` (200): everything answers. `degraded` (200): the API serves, but the components named in `failing`
    do not (sign-in and the catalog work; recommendations, background tasks or caching may not).
    `error` (503): the database does not answer, so this instance can serve nothing: take it out of rotation.
    """
    components = {
        "database": _timed(_check_database),
        "cache": _timed(_check_cache),
        "broker": _timed(_check_broker),
        "engine": _timed(_check_engine),
    }
    failing = [name for name, result in components.items() if result["status"] != "ok"]
    if "database" in failing:
        return 503, {"status": "error", "failing": failing, "components": components}
    return 200, {"status": "degraded" if failing else "ok", "failing": failing, "components": components}
