"""PostgreSQL down (a private cluster the test stops): requests answer a JSON 503 and /healthz says `error`.
A restart costs no request once the database is back: gunicorn keeps persistent connections (CONN_MAX_AGE)
and checks them before reuse (CONN_HEALTH_CHECKS)."""

import json

import pytest

from tests.integration.fault_helpers import gunicorn, http_get, private_postgres, wait_until

pytestmark = pytest.mark.integration

REQUESTS_PER_ROUND = 12  # several per worker thread, so every persistent connection is reused


def test_after_a_postgresql_restart_no_request_fails(tmp_path):
    with private_postgres() as cluster:
        env = {
            "POSTGRES_NAME": "postgres",
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(cluster.port),
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "2",
        }
        with gunicorn(env) as api:
            before = [http_get(f"{api.base_url}/healthz")[0] for _ in range(REQUESTS_PER_ROUND)]
            assert before == [200] * REQUESTS_PER_ROUND, api.log()

            cluster.restart()
            wait_until(lambda: cluster.accepts_connections(), timeout=30, what="the restarted cluster")
            after = [http_get(f"{api.base_url}/healthz") for _ in range(REQUESTS_PER_ROUND)]

        assert [status for status, _, _ in after] == [200] * REQUESTS_PER_ROUND, [body for _, body, _ in after]


def test_while_postgresql_is_down_requests_answer_a_json_503_and_healthz_says_error():
    with private_postgres() as cluster:
        env = {"POSTGRES_NAME": "postgres", "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "",
               "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(cluster.port)}  # fmt: skip
        with gunicorn(env) as api:
            cluster.stop()
            health_status, health, _ = http_get(f"{api.base_url}/healthz")
            login = json.dumps({"username": "ada", "password": "not-checked-anyway"}).encode()
            login_status, body, seconds = http_get(
                f"{api.base_url}/api/v1/auth/api-auth-token/", data=login, headers={"Content-Type": "application/json"}
            )
            cluster.start()

    assert (health_status, json.loads(health)["status"], json.loads(health)["failing"][0]) == (503, "error", "database")
    assert login_status == 503
    assert json.loads(body) == {"detail": "The database is temporarily unavailable. Please try again."}
    assert seconds < 2.0
