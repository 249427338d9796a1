"""Suite-wide fixtures: no real network, API clients, and access to the real services in CI."""

import os
import socket

import pytest
from django.conf import settings
from rest_framework.test import APIClient

pytest_plugins = ["tests.plugins.accounts", "tests.plugins.celery_worker", "tests.plugins.engine_server"]

IN_CI = os.environ.get("CI", "").lower() == "true"
_real_connect = socket.socket.connect


def _is_local(address) -> bool:
    if isinstance(address, str):  # Unix socket
        return True
    host = address[0]
    return host in ("localhost", "::1") or host.startswith("127.")


def _guarded_connect(sock, address):
    if not _is_local(address):
        raise RuntimeError(f"Tests may not reach the network (tried to connect to {address!r}); stub it.")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Refuse every outbound connection except to this machine (PostgreSQL, Redis, our own processes)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


def pytest_sessionstart(session):
    if IN_CI:
        vendor = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in vendor:
            raise pytest.UsageError("CI=true but the database is not PostgreSQL: set POSTGRES_* for the test run.")


def require_service(name: str, reason: str) -> None:
    """Skip (locally) or fail (in CI) a test whose real service is not available."""
    message = f"{name} unavailable: {reason}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: integration tests may not be skipped)")
    pytest.skip(message)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
