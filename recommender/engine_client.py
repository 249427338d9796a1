"""Adapter for the recommender engine (FastAPI, at RECOMMENDER_ENGINE_BASE_URL): the only module that calls it.

Engine failures (connection refused, timeout, 5xx) become `EngineUnavailable` (503) with the contract's message.
The engine answers in milliseconds (bench/RESULTS.md: p99 < 10 ms at 1M items), so timeouts are short, and a
circuit breaker per engine URL and process (core.circuit_breaker) refuses calls at once after repeated failures:
a hung engine costs a request at most one timeout, and costs nothing while its circuit is open.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

from core.circuit_breaker import CircuitBreaker, CircuitOpen
from recommender.errors import EngineBadAnswer, EngineUnavailable

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = EngineUnavailable.default_detail
# Connecting to a process on the same host or network takes well under a millisecond; the read timeout is
# RECOMMENDER_ENGINE_TIMEOUT.
CONNECT_TIMEOUT_SECONDS = 0.2
FAILURES_BEFORE_OPENING = 3
COOLDOWN_SECONDS = 10.0


class EngineRejected(Exception):
    """The engine answered 400: the request was valid but it could not serve it (e.g. no seed resolved)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class EngineRecommendation:
    """One recommended item: {"name", "likeness" 0..1, "extra": {"spotify_id", "model_version", ...}}."""

    name: str
    likeness: float
    extra: dict[str, Any]
    vector: bytes | None = None  # its stored vector (little-endian float32), when asked for with include_vectors


@dataclass(frozen=True)
class EngineRecommendations:
    """The engine's answer to POST /recommend."""

    artists: list[EngineRecommendation]
    albums: list[EngineRecommendation]
    tracks: list[EngineRecommendation]
    model_version: str
    generated_at: str | None
    unresolved: list[str] = field(default_factory=list)


def _vector(encoded: Any) -> bytes | None:
    """The raw float32 bytes of a result's `extra.vector` (base64), or None when absent or unreadable."""
    if not isinstance(encoded, str):
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _recommendation(item: dict[str, Any]) -> EngineRecommendation:
    extra = dict(item.get("extra") or {})
    vector = _vector(extra.pop("vector", None))
    return EngineRecommendation(
        name=str(item.get("name", "")), likeness=float(item.get("likeness", 0.0)), extra=extra, vector=vector
    )


def _recommendations(items: Any) -> list[EngineRecommendation]:
    return [_recommendation(item) for item in items or []]


_shared_clients: dict[tuple[str, float], httpx.Client] = {}
_breakers: dict[str, CircuitBreaker] = {}
_shared_lock = threading.Lock()


def _shared_client(base_url: str, timeout: float) -> httpx.Client:
    """One keep-alive connection pool per engine URL and timeout in this process (httpx.Client is thread-safe)."""
    key = (base_url, timeout)
    with _shared_lock:
        client = _shared_clients.get(key)
        if client is None:
            client = httpx.Client(base_url=base_url, timeout=_timeouts(timeout))
            _shared_clients[key] = client
        return client


def _shared_breaker(base_url: str) -> CircuitBreaker:
    with _shared_lock:
        return _breakers.setdefault(
            base_url,
            CircuitBreaker(
                f"Recommender engine at {base_url}",
                failure_threshold=FAILURES_BEFORE_OPENING,
                cooldown_seconds=COOLDOWN_SECONDS,
            ),
        )


def _timeouts(read_timeout: float) -> httpx.Timeout:
    return httpx.Timeout(read_timeout, connect=min(CONNECT_TIMEOUT_SECONDS, read_timeout))


def _parse(response: httpx.Response, path: str) -> dict[str, Any]:
    """The JSON of a 2xx/4xx answer; EngineRejected for a 400, EngineBadAnswer for anything unusable."""
    if response.status_code == 400:
        try:
            detail = str(response.json().get("detail", "The engine could not serve this request."))
        except ValueError:
            detail = "The engine could not serve this request."
        raise EngineRejected(detail)
    if response.status_code != 200:
        logger.error("Recommender engine answered %s to %s: %s", response.status_code, path, response.text[:500])
        raise EngineBadAnswer()
    try:
        return response.json()
    except ValueError as error:
        logger.error("Recommender engine sent invalid JSON: %s", response.text[:500])
        raise EngineBadAnswer() from error


class EngineClient:
    """HTTP client of the engine. Without an explicit transport it reuses a process-wide keep-alive pool; without
    an explicit breaker it shares the process-wide circuit breaker of its engine URL."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.transport = transport
        self.breaker = breaker or _shared_breaker(self.base_url)

    def _client(self) -> httpx.Client:
        if self.transport is not None:
            return httpx.Client(base_url=self.base_url, timeout=_timeouts(self.timeout), transport=self.transport)
        return _shared_client(self.base_url, self.timeout)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            self.breaker.before_call()
        except CircuitOpen as error:
            raise EngineUnavailable(retry_after=error.retry_after) from error
        try:
            response = self._client().post(path, json=body)
        except httpx.HTTPError as error:
            self.breaker.record_failure()
            logger.warning("Recommender engine at %s failed: %s: %s", self.base_url, type(error).__name__, error)
            raise EngineUnavailable() from error
        if response.status_code >= 500:
            self.breaker.record_failure()
            logger.warning("Recommender engine answered %s: %s", response.status_code, response.text[:500])
            raise EngineUnavailable()
        self.breaker.record_success()
        return _parse(response, path)

    def recommend(
        self,
        *,
        seed_vectors: Sequence[Sequence[float]],
        artists: Sequence[str] = (),
        albums: Sequence[str] = (),
        tracks: Sequence[str] = (),
        genres: Sequence[str] = (),
        seed_weight: float = 0.5,
        exclude_spotify_ids: Sequence[str] = (),
        limit: int = 10,
        resource_types: Sequence[str] | None = None,
        include_vectors: bool = False,
    ) -> EngineRecommendations:
        """Ranked artists/albums/tracks like the seeds (POST /recommend); with `include_vectors`, each result's
        stored vector too (so explaining results needs no database read)."""
        body: dict[str, Any] = {
            "seed_vectors": [[float(value) for value in vector] for vector in seed_vectors],
            "artists": list(artists),
            "albums": list(albums),
            "tracks": list(tracks),
            "genres": list(genres),
            "seed_weight": float(seed_weight),
            "exclude_spotify_ids": list(exclude_spotify_ids),
            "limit": int(limit),
        }
        if resource_types:
            body["resource_types"] = list(resource_types)
        if include_vectors:
            body["include_vectors"] = True
        data = self._post("/recommend", body)
        return EngineRecommendations(
            artists=_recommendations(data.get("artists")),
            albums=_recommendations(data.get("albums")),
            tracks=_recommendations(data.get("tracks")),
            model_version=str(data.get("model_version") or "unknown"),
            generated_at=data.get("generated_at"),
            unresolved=[str(name) for name in data.get("unresolved") or []],
        )


def get_engine_client() -> EngineClient:
    """The engine client configured by settings (RECOMMENDER_ENGINE_BASE_URL, RECOMMENDER_ENGINE_TIMEOUT)."""
    return EngineClient(base_url=settings.RECOMMENDER_ENGINE_BASE_URL, timeout=settings.RECOMMENDER_ENGINE_TIMEOUT)
