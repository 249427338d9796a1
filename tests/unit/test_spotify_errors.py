"""Spotify's failures are domain errors: core answers them by kind, tasks and commands read what Spotify said."""

import ast
from pathlib import Path

import pytest

from core.errors import DomainError
from core.exceptions import api_exception_handler
from integrations.spotify.errors import (
    TRANSIENT_SPOTIFY_ERRORS,
    SpotifyAuthError,
    SpotifyBadGateway,
    SpotifyBadRequest,
    SpotifyNotFound,
    SpotifyRateLimited,
    SpotifyUnavailable,
)

ROOT = Path(__file__).resolve().parents[2]
TRY_AGAIN = "Spotify is temporarily unavailable. Please try again."
UPSTREAM = "Spotify answered with an error. Please try again."


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (SpotifyBadRequest("limit out of range"), 400, "Spotify could not serve this request: limit out of range"),
        (SpotifyNotFound("Resource not found"), 404, "Not found on Spotify."),
        (SpotifyAuthError("Spotify refused our app credentials: invalid_client"), 502, UPSTREAM),
        (SpotifyBadGateway("Spotify answered 418"), 502, UPSTREAM),
        (SpotifyRateLimited("Spotify is rate limiting us."), 503, TRY_AGAIN),
        (SpotifyUnavailable("Spotify cannot be reached."), 503, TRY_AGAIN),
    ],
)
def test_each_spotify_error_has_its_answer_and_never_leaks_our_credentials(error, status, detail):
    response = api_exception_handler(error, {})

    assert isinstance(error, DomainError)
    assert response.status_code == status
    assert response.data == {"detail": detail}


def test_what_spotify_said_stays_readable_for_tasks_commands_and_logs():
    error = SpotifyAuthError("Spotify refused our app credentials: invalid_client", status_code=403)

    assert error.message == str(error) == "Spotify refused our app credentials: invalid_client"
    assert error.status_code == 403


def test_a_rate_limit_hint_reaches_the_client_as_retry_after():
    response = api_exception_handler(SpotifyRateLimited("slow down", retry_after=30), {})

    assert response.headers["Retry-After"] == "30"


def test_only_unavailability_is_transient():
    assert set(TRANSIENT_SPOTIFY_ERRORS) == {SpotifyRateLimited, SpotifyUnavailable}


def _imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


CATALOG_DOMAIN = [
    *sorted((ROOT / "catalog" / "services").glob("*.py")),
    ROOT / "catalog" / "selectors.py",
    ROOT / "catalog" / "errors.py",
    *sorted((ROOT / "integrations" / "spotify").glob("*.py")),
]


@pytest.mark.parametrize("path", CATALOG_DOMAIN, ids=lambda path: str(path.relative_to(ROOT)))
def test_catalog_services_selectors_and_the_spotify_adapter_do_not_import_drf(path):
    drf = {module for module in _imports(path) if module.split(".")[0] == "rest_framework"}

    assert drf == set()
