"""Django's own error answers (no route matched, a refused Host header) are JSON like the API's (issue 10, item 13)."""

import pytest
from rest_framework.test import APIClient


def _assert_json_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": response.json()["detail"], "code": code}


def test_a_url_no_route_matches_answers_json_404(api_client):
    _assert_json_error(api_client.get("/api/v1/no-such-thing/"), 404, "not_found")


@pytest.mark.django_db
def test_a_profile_username_with_any_character_answers_json_404(user):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/music-profiles/not%20a%20user/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_a_host_not_allowed_answers_json_400():
    _assert_json_error(APIClient(HTTP_HOST="evil.example").get("/api/v1/"), 400, "bad_request")
