"""Adapter for the recommender engine (FastAPI, at RECOMMENDER_ENGINE_BASE_URL): the only module that calls it.

Engine failures (connection refused, timeout, 5xx) become `ServiceUnavailable` with the contract's message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

from core.exceptions import BadGateway, ServiceUnavailable

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "Recommendations are temporarily unavailable. Please try again."


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


@dataclass(frozen=True)
class EngineRecommendations:
    """The engine's answer to POST /recommend."""

    artists: list[EngineRecommendation]
    albums: list[EngineRecommendation]
    tracks: list[EngineRecommendation]
    model_version: str
    generated_at: str | None
    unresolved: list[str] = field(default_factory=list)


def _recommendations(items: Any) -> list[EngineRecommendation]:
    return [
        EngineRecommendation(
            name=str(item.get("name", "")),
            likeness=float(item.get("likeness", 0.0)),
            extra=dict(item.get("extra") or {}),
        )
        for item in items or []
    ]


_shared_clients: dict[tuple[str, float], httpx.Client] = {}
_shared_clients_lock = threading.Lock()


def _shared_client(base_url: str, timeout: float) -> httpx.Client:
    """One keep-alive connection pool per engine URL and timeout in this process (httpx.Client is thread-safe)."""
    key = (base_url, timeout)
    with _shared_clients_lock:
        client = _shared_clients.get(key)
        if client is None:
            client = httpx.Client(base_url=base_url, timeout=timeout)
            _shared_clients[key] = client
        return client


class EngineClient:
    """HTTP client of the engine. Without an explicit transport it reuses a process-wide keep-alive pool."""

    def __init__(self, *, base_url: str, timeout: float, transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.transport = transport

    def _client(self) -> httpx.Client:
        if self.transport is not None:
            return httpx.Client(base_url=self.base_url, timeout=self.timeout, transport=self.transport)
        return _shared_client(self.base_url, self.timeout)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client().post(path, json=body)
        except httpx.TimeoutException as error:
            logger.warning("Recommender engine timed out after %ss: %s", self.timeout, error)
            raise ServiceUnavailable(UNAVAILABLE_MESSAGE) from error
        except httpx.HTTPError as error:
            logger.warning("Recommender engine unreachable at %s: %s", self.base_url, error)
            raise ServiceUnavailable(UNAVAILABLE_MESSAGE) from error
        if response.status_code >= 500:
            logger.warning("Recommender engine answered %s: %s", response.status_code, response.text[:500])
            raise ServiceUnavailable(UNAVAILABLE_MESSAGE)
        if response.status_code == 400:
            try:
                detail = str(response.json().get("detail", "The engine could not serve this request."))
            except ValueError:
                detail = "The engine could not serve this request."
            raise EngineRejected(detail)
        if response.status_code != 200:
            logger.error("Recommender engine answered %s to %s: %s", response.status_code, path, response.text[:500])
            raise BadGateway()
        try:
            return response.json()
        except ValueError as error:
            logger.error("Recommender engine sent invalid JSON: %s", response.text[:500])
            raise BadGateway() from error

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
    ) -> EngineRecommendations:
        """Ranked artists/albums/tracks like the seeds (POST /recommend)."""
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
