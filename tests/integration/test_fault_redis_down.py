"""Redis down (a private redis-server, killed by the test): sign-in works, cache reads are misses, queueing a
task answers a JSON 503 within 2 s, and /healthz says `degraded`, naming the cache and the broker."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from settings.celery import app
from tests.factories_auth import PASSWORD, UserFactory
from tests.integration.fault_helpers import private_redis
from tests.plugins.celery_worker import _configure_client_app

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

LOGIN = "/api/v1/auth/api-auth-token/"
CELERY_CLIENT_SETTINGS = (
    "broker_url",
    "result_backend",
    "broker_transport_options",
    "result_backend_transport_options",
)


@pytest.fixture(scope="module")
def production_cache_settings() -> dict:
    """The CACHES setting `make stack` gets for a Redis CACHE_URL (read in a fresh process, like the API)."""
    code = "import json, django; from django.conf import settings; django.setup(); print(json.dumps(settings.CACHES))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.base", "JUKE_ENV_FILE": os.devnull}
    env["CACHE_URL"] = "redis://127.0.0.1:1/0"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_server(settings, production_cache_settings):
    """A private Redis used as the cache and the Celery broker of this process, as in `make stack`."""

    with private_redis() as server:
        settings.CACHES = {"default": {**production_cache_settings["default"], "LOCATION": server.url}}
        settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-login": "2/min"}
        settings.CELERY_TASK_ALWAYS_EAGER = False
        saved = {name: app.conf[name] for name in CELERY_CLIENT_SETTINGS}
        _configure_client_app(app, broker_url=server.url, transport_options=_transport_options(), eager=False)
        try:
            yield server
        finally:
            _configure_client_app(app, broker_url="memory://", transport_options={}, eager=True)
            app.conf.update(saved)  # as before this test (e.g. no result backend), not the helper's defaults


def _transport_options() -> dict:
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS


def _login(api_client, username):
    started = time.monotonic()
    response = api_client.post(LOGIN, {"username": username, "password": PASSWORD}, format="json")
    return response, time.monotonic() - started


def test_sign_in_is_throttled_through_redis_and_keeps_working_once_redis_is_down(api_client, redis_server):
    UserFactory(username="ada")
    assert [_login(api_client, "ada")[0].status_code for _ in range(3)] == [200, 200, 429]

    redis_server.stop()
    answers = [_login(api_client, "ada") for _ in range(3)]

    assert [response.status_code for response, _ in answers] == [200, 200, 200]
    assert all("token" in response.json() for response, _ in answers)
    assert max(seconds for _, seconds in answers) < 1.5


def test_the_failing_cache_is_logged_once_per_outage_window(api_client, redis_server, caplog):
    UserFactory(username="ada")
    redis_server.stop()

    with caplog.at_level("WARNING", logger="core.cache"):
        for _ in range(3):
            _login(api_client, "ada")

    warnings = [record for record in caplog.records if record.name == "core.cache"]
    assert len(warnings) == 1
    assert "not throttling" in warnings[0].getMessage()


def test_featured_genres_are_served_from_spotify_when_the_cache_is_down(api_client, redis_server):
    api_client.force_authenticate(UserFactory())
    redis_server.stop()

    response = api_client.get("/api/v1/genres/featured/")

    assert response.status_code == 200
    assert len(response.json()) == 20


@pytest.mark.django_db(transaction=True)  # the task is queued on commit, as in production
def test_queueing_a_task_with_redis_down_answers_a_json_503_within_two_seconds(admin_client, redis_server):
    redis_server.stop()

    started = time.monotonic()
    response = admin_client.post("/api/v1/genres/refresh/")
    seconds = time.monotonic() - started

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "queue_unavailable"
    assert int(response["Retry-After"]) > 0
    assert seconds < 2.0


def test_healthz_is_ok_with_redis_up_and_degraded_naming_cache_and_broker_when_it_is_down(api_client, redis_server):
    up = api_client.get("/healthz").json()
    assert (up["components"]["cache"]["status"], up["components"]["broker"]["status"]) == ("ok", "ok")

    redis_server.stop()
    started = time.monotonic()
    down = api_client.get("/healthz")

    assert down.status_code == 200
    assert down.json()["status"] == "degraded"
    assert {"cache", "broker"} <= set(down.json()["failing"])
    assert "database" not in down.json()["failing"]
    assert time.monotonic() - started < 1.5
