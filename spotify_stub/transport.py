"""A requests transport adapter that serves Spotify's HTTP API from in-process handlers."""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict


@dataclass
class StubRequest:
    method: str
    host: str
    path: str
    query: dict[str, str]
    headers: CaseInsensitiveDict
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}

    @property
    def bearer_token(self) -> str | None:
        header = self.headers.get("Authorization", "")
        return header[7:] if header.startswith("Bearer ") else None


@dataclass
class StubResponse:
    status: int
    payload: object = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[StubRequest, re.Match], StubResponse]
_ROUTES: list[tuple[str, str, re.Pattern, Handler]] = []


def route(method: str, host: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a handler for `method` on `host` (api.spotify.com or accounts.spotify.com) and a path regex."""

    def register(handler: Handler) -> Handler:
        _ROUTES.append((method.upper(), host, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


def error(status: int, message: str, reason: str | None = None) -> StubResponse:
    """An error in the shape of Spotify's Web API."""
    body: dict = {"status": status, "message": message}
    if reason:
        body["reason"] = reason
    return StubResponse(status, {"error": body})


def dispatch(stub_request: StubRequest) -> StubResponse:
    path_known = False
    for method, host, pattern, handler in _ROUTES:
        if host != stub_request.host:
            continue
        match = pattern.match(stub_request.path)
        if match is None:
            continue
        path_known = True
        if method == stub_request.method:
            return handler(stub_request, match)
    if path_known:
        return error(405, "Method not allowed")
    return error(404, "Service not found")


class StubSpotifyTransport(BaseAdapter):
    """Answers requests for Spotify's hosts; mounted by integrations.spotify.http in stub mode."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        from spotify_stub import routes  # noqa: F401, PLC0415 - registers the handlers; they import this module

        url = urlsplit(request.url)
        body = request.body or b""
        stub_request = StubRequest(
            method=request.method.upper(),
            host=url.hostname or "",
            path=url.path,
            query={key: values[-1] for key, values in parse_qs(url.query).items()},
            headers=CaseInsensitiveDict(request.headers),
            body=body.encode() if isinstance(body, str) else body,
        )
        stub_response = dispatch(stub_request)
        return self._build_response(request, stub_response)

    def _build_response(self, request, stub_response: StubResponse) -> requests.Response:
        response = requests.Response()
        response.status_code = stub_response.status
        response.headers = CaseInsensitiveDict(stub_response.headers)
        if stub_response.payload is not None:
            response._content = json.dumps(stub_response.payload).encode()
            response.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        else:
            response._content = b""
        response.url = request.url
        response.request = request
        response.reason = "OK" if stub_response.status < 400 else "Error"
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass
