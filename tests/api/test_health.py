import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_component_and_answers_200_while_the_database_answers(api_client):
    response = api_client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] in ("ok", "degraded")
    assert set(body["components"]) == {"database", "cache", "broker", "engine"}
    assert body["failing"] == [name for name, part in body["components"].items() if part["status"] != "ok"]
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["cache"]["status"] == "ok"


def test_healthz_reports_an_unreachable_engine_as_degraded_not_as_down(api_client, settings):
    settings.RECOMMENDER_ENGINE_BASE_URL = "http://127.0.0.1:9"

    response = api_client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["components"]["engine"]["status"] == "error"
    assert response.json()["status"] == "degraded"
    assert "engine" in response.json()["failing"]


def test_openapi_schema_is_served(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")
