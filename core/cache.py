"""The Redis cache, failing open: while Redis is down, reads are misses and writes are dropped.

Everything that uses Django's cache (throttles, featured genres, the OAuth state) goes through this backend,
so their failure behaviour is decided here, once. A Redis error opens an outage window (OUTAGE_SECONDS,
per process) during which the cache does not call Redis at all, so a request never waits on a dead socket
more than once per window; each window is logged. Throttles then count nothing: sign-in stays open (and
unthrottled) for the length of the outage, which we prefer to refusing every sign-in.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

DEFAULT_SOCKET_TIMEOUT_SECONDS = 0.25
DEFAULT_OUTAGE_SECONDS = 5.0


class _Outage:
    """When Redis last failed, shared by the threads of this process (Django builds a cache object per thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self._until

    def begin(self, *, location: str, seconds: float, error: Exception) -> None:
        with self._lock:
            if self.active():
                return
            self._until = time.monotonic() + seconds
        logger.warning(
            "Cache at %s unavailable (%s: %s): serving misses, dropping writes and not throttling for %.0f s",
            location, type(error).__name__, error, seconds,
        )  # fmt: skip


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


def _fail_open(fallback: Callable[..., Any]) -> Callable:
    """Run the cache operation unless Redis is known to be down; on a Redis error answer `fallback(*args)`."""

    def decorator(operation: Callable) -> Callable:
        @functools.wraps(operation)
        def wrapper(self: FailOpenRedisCache, *args: Any, **kwargs: Any) -> Any:
            if self.outage.active():
                return fallback(*args, **kwargs)
            try:
                return operation(self, *args, **kwargs)
            except redis.RedisError as error:
                self.outage.begin(location=self._location, seconds=self.outage_seconds, error=error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorator


def _default_of_get(key: str, default: Any = None, version: int | None = None) -> Any:
    return default


def _missing_key(key: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"Key {key!r} not found (the cache is unavailable).")


def _constant(value: Any) -> Callable[..., Any]:
    return lambda *args, **kwargs: value


class _ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis-py client for every cache call, which costs as much CPU as a round trip to Redis
    (its command table is rebuilt each time); one client per connection pool is safe to share between threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))  # type: ignore[attr-defined]
        return client


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache with short socket timeouts that degrades to a miss-only cache while Redis is down.

    OPTIONS: `OUTAGE_SECONDS` (how long to stop calling Redis after a failure), plus redis-py's own
    `socket_connect_timeout` / `socket_timeout` (default 0.25 s each).
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self.outage_seconds = float(options.pop("OUTAGE_SECONDS", DEFAULT_OUTAGE_SECONDS))
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _ReusedClientRedisCacheClient
        self._location = server if isinstance(server, str) else ",".join(server)
        self.outage = _outage_for(self._location)

    def ping(self) -> None:
        """Ask Redis for real (no outage window): raises redis.RedisError when it does not answer."""
        self._cache.get_client(write=True).ping()

    get = _fail_open(_default_of_get)(RedisCache.get)
    add = _fail_open(_constant(False))(RedisCache.add)
    set = _fail_open(_constant(None))(RedisCache.set)
    touch = _fail_open(_constant(False))(RedisCache.touch)
    delete = _fail_open(_constant(False))(RedisCache.delete)
    get_many = _fail_open(lambda *args, **kwargs: {})(RedisCache.get_many)
    has_key = _fail_open(_constant(False))(RedisCache.has_key)
    incr = _fail_open(_missing_key)(RedisCache.incr)
    set_many = _fail_open(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _fail_open(_constant(None))(RedisCache.delete_many)
    clear = _fail_open(_constant(False))(RedisCache.clear)
