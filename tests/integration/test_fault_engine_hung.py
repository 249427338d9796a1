"""A hung engine (a real engine process, SIGSTOPped) costs recommendations only: through gunicorn with the
repository's gunicorn.conf.py, recommendation calls answer 503 within a timeout, then at once (circuit open),
and an unrelated catalog request is not delayed. SIGCONT: after the cool-down, a probe closes the circuit."""

import json
import os
import signal
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings

from juke_auth.models import JukeUser
from juke_auth.services.tokens import auth_token_issue
from recommender.engine_client import COOLDOWN_SECONDS
from recommender.services.training import model_retrain
from tests.conftest import require_service
from tests.integration.fault_helpers import gunicorn, http_get
from tests.plugins.engine_server import database_env, start_engine, stop_engine
from tests.recommender_catalog import demo_catalog_create

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RECOMMEND_BODY = json.dumps({"genres": ["hard rock"], "limit": 3}).encode()


def _database_env() -> dict[str, str]:
    database = django_settings.DATABASES["default"]
    if "postgresql" not in database["ENGINE"]:
        require_service("PostgreSQL", "gunicorn and the engine must share the test database")
    return {name: value for name, value in database_env().items() if value is not None}


@pytest.fixture
def engine(tmp_path):
    """A private engine process on the test database, which this test may stop."""
    process, base_url = start_engine({"DATABASE_URL": None, **_database_env()}, tmp_path / "engine.log")
    try:
        yield process, base_url
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
        stop_engine(process)


def _post(url: str, body: bytes, token: str) -> tuple[int, dict, float]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Authorization": f"Token {token}", "Content-Type": "application/json"}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), time.monotonic() - started


def test_a_hung_engine_costs_recommendations_only_and_its_circuit_closes_when_it_answers_again(engine):
    demo_catalog_create(step=3)
    model_retrain()
    engine_process, engine_url = engine
    token = auth_token_issue(user=JukeUser.objects.create_user(username="listener", password="x" * 12))
    # Every call must reach the engine: with CACHE_URL set, an answer computed before the hang would be served
    # from the answer cache (core.answer_cache) while the engine hangs.
    env = {
        **_database_env(),
        "RECOMMENDER_ENGINE_BASE_URL": engine_url,
        "GUNICORN_WORKERS": "1",
        "ANSWER_CACHE_SECONDS": "0",
    }
    with gunicorn(env) as api:
        recommend = f"{api.base_url}/api/v1/recommendations/"
        assert _post(recommend, RECOMMEND_BODY, token)[0] == 200, api.log()

        os.kill(engine_process.pid, signal.SIGSTOP)
        with ThreadPoolExecutor(max_workers=6) as pool:
            stuck = [pool.submit(_post, recommend, RECOMMEND_BODY, token) for _ in range(3)]
            time.sleep(0.1)  # the three are now waiting on the engine
            catalog_status, _, catalog_seconds = http_get(
                f"{api.base_url}/api/v1/genres/", headers={"Authorization": f"Token {token}"}
            )
            answers = [future.result() for future in stuck]

        assert catalog_status == 200
        assert catalog_seconds < 0.5
        for status, body, seconds in answers:
            assert (status, body["code"]) == (503, "engine_unavailable")
            assert seconds < 2.0
        status, body, seconds = _post(recommend, RECOMMEND_BODY, token)
        assert (status, body["code"]) == (503, "engine_unavailable")
        assert seconds < 0.2  # the circuit is open: the engine is not even called

        os.kill(engine_process.pid, signal.SIGCONT)
        time.sleep(COOLDOWN_SECONDS + 0.5)
        assert _post(recommend, RECOMMEND_BODY, token)[0] == 200


def test_a_killed_engine_costs_recommendations_only(engine, api_client, settings):
    demo_catalog_create(step=3)
    model_retrain()
    engine_process, settings.RECOMMENDER_ENGINE_BASE_URL = engine
    api_client.force_authenticate(JukeUser.objects.create_user(username="listener", password="x" * 12))
    body = json.loads(RECOMMEND_BODY)
    assert api_client.post("/api/v1/recommendations/", body, format="json").status_code == 200

    engine_process.kill()
    engine_process.wait(timeout=10)
    started = time.monotonic()
    response = api_client.post("/api/v1/recommendations/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (503, "engine_unavailable")
    assert time.monotonic() - started < 0.5
    assert api_client.get("/api/v1/genres/").status_code == 200
    health = api_client.get("/healthz")
    assert (health.status_code, health.json()["status"], health.json()["failing"]) == (200, "degraded", ["engine"])
