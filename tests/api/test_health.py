import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_component_and_is_ok_while_the_database_answers(api_client):
    response = api_client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "cache", "broker", "engine"}
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["cache"]["status"] == "ok"


def test_healthz_reports_an_unreachable_engine_as_an_error_without_failing(api_client, settings):
    settings.RECOMMENDER_ENGINE_BASE_URL = "http://127.0.0.1:9"

    body = api_client.get("/healthz").json()

    assert body["components"]["engine"]["status"] == "error"
    assert body["status"] == "ok"


def test_openapi_schema_is_served(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
