"""The published OpenAPI schema (/api/schema/) matches what the API really answers (issue 10, item 13).

Schemathesis generates requests for every operation from the schema and sends them to the app in-process
(Django's WSGI application, signed in with an `Authorization: Token` header, over a small seeded catalog);
each answer must be below 500, carry a documented status and content type, and match the documented body.
The operations that would sign the user out or change their credentials are left out, as `make fuzz` does.
"""

import time

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories_catalog import AlbumFactory, ArtistFactory, GenreFactory, TrackFactory
from tests.factories_playback import link_spotify

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

EXCLUDED_PATHS = r"(logout|change-password|reset-password|disconnect|register-email|verify-email)"
EXAMPLES_PER_OPERATION = 40
MINIMUM_REQUESTS = 2_000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _seed_catalog() -> None:
    genre = GenreFactory(name="shoegaze")
    artist = ArtistFactory(genres=[genre])
    album = AlbumFactory(artists=[artist])
    for _ in range(3):
        TrackFactory(album=album, artists=[artist])


def _run_operation(operation, token: str) -> tuple[int, list[str]]:
    """Send up to EXAMPLES_PER_OPERATION generated requests; return how many were sent and the failures,
    one per distinct (kind, status) with a curl command that reproduces it."""
    auth = {"Authorization": f"Token {token}"}
    sent = 0
    failures: dict[tuple[str, int], str] = {}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case) -> None:
        nonlocal sent
        sent += 1
        response = case.call(headers=auth)
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (Failure, FailureGroup) as error:
            found = error.exceptions if isinstance(error, FailureGroup) else [error]
            for failure in found:
                text = f"{failure}\n    {case.as_curl_command(headers=auth)}"
                failures.setdefault((failure.title, response.status_code), text)

    cache.clear()  # each operation starts with fresh throttle counters, then meets its own limit (429)
    exercise()
    return sent, list(failures.values())


@pytest.fixture
def connection_kept_open():
    """Django closes the database connection around each request; in-process, that would end the test's
    transaction. Django's own test client disconnects the same handler."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db(transaction=True)  # the engine process reads the catalog: rows must be committed
def test_every_answer_matches_the_published_schema(user, engine_server, connection_kept_open):
    _seed_catalog()
    link_spotify(user)  # playback then goes past "not linked" to the stub Spotify
    _, token = AuthToken.objects.create(user)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    schema = schema.exclude(path_regex=EXCLUDED_PATHS)
    started = time.monotonic()
    total, report = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        sent, failures = _run_operation(operation, token)
        total += sent
        report.extend(f"{operation.label}:\n{failure}" for failure in failures)
    elapsed = time.monotonic() - started
    print(f"schema conformance: {total} requests in {elapsed:.0f} s, {len(report)} distinct failures")
    assert not report, f"{len(report)} answers differ from the schema:\n\n" + "\n\n".join(report)
    assert total >= MINIMUM_REQUESTS, f"only {total} requests were generated; the run proves too little"
