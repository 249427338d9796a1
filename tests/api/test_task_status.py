"""GET /api/v1/tasks/<id>/: admins follow the jobs they started; the genre list's "Refresh genres" button."""

import uuid

import pytest
from rest_framework.test import APIClient

from catalog.models import Genre
from juke_auth.models import JukeUser

pytestmark = pytest.mark.django_db

TASK_URL = f"/api/v1/tasks/{uuid.uuid4()}/"


def _client(**flags) -> APIClient:
    user = JukeUser.objects.create_user(
        username="someone", email="someone@example.com", password="x-Juke-2026!", **flags
    )
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_task_status_needs_sign_in():
    assert APIClient().get(TASK_URL).status_code == 401


def test_task_status_is_for_admins_only():
    response = _client().get(TASK_URL)

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}


def test_a_task_id_that_is_not_a_uuid_is_404():
    assert _client(is_staff=True).get("/api/v1/tasks/not-a-task/").status_code == 404


def test_without_a_result_store_the_answer_says_how_to_get_one():
    # The test settings, like the embedded default, run tasks inline and store no results.
    response = _client(is_staff=True).get(TASK_URL)

    assert response.status_code == 503
    assert response.json()["detail"] == ("Task results are not stored here: set CELERY_RESULT_BACKEND to follow jobs.")


def test_the_genre_list_in_admin_has_a_refresh_button_that_queues_the_sync(
    admin_client, django_capture_on_commit_callbacks
):
    page = admin_client.get("/admin/catalog/genre/").content.decode()
    assert "Refresh genres" in page
    assert "/admin/catalog/genre/refresh/" in page

    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the sync runs on commit
        response = admin_client.post("/admin/catalog/genre/refresh/", follow=True)

    assert response.redirect_chain[-1][0] == "/admin/catalog/genre/"
    assert "Genre refresh queued: task " in response.content.decode()
    assert Genre.objects.filter(spotify_id="genre-jazz").exists()


def test_the_refresh_button_only_answers_post(admin_client):
    assert admin_client.get("/admin/catalog/genre/refresh/").status_code == 405
