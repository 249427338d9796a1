"""Nothing in the database signs anyone in: no auth token in django_session, no clear Spotify token in
social_auth_usersocialauth (issue 10.6, 10.12)."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient
from social_django.models import UserSocialAuth

from tests.factories_auth import PASSWORD, UserFactory, register, verification_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def _database_dump_of(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return json.dumps(cursor.fetchall(), default=str)


def _decoded_sessions() -> str:
    return json.dumps([session.get_decoded() for session in Session.objects.all()], default=str)


def test_no_sign_in_leaves_a_usable_token_in_django_session(api_client):
    user = UserFactory(username="ada")
    keys = [
        api_client.post(
            "/api/v1/auth/api-auth-token/", {"username": "ada", "password": PASSWORD}, format="json"
        ).json()["token"]
    ]
    keys.append(api_client.get("/api/v1/users/me/").json()["token"])  # a session client's token
    browser = APIClient()
    register(browser, username="newlistener", email="new@example.com")
    verify = browser.post(
        "/api/v1/auth/accounts/verify-registration/", verification_params(mail.outbox[-1]), format="json"
    )
    keys.append(verify.json()["token"])
    keys.append(APIClient().post("/api/v1/auth/social-login/", {"access_token": "t"}, format="json").json()["token"])

    assert Session.objects.exists()
    assert user.pk
    for key in keys:
        assert key not in _decoded_sessions()
        assert key not in _database_dump_of("django_session")


def test_spotify_tokens_are_stored_encrypted_and_read_back_in_clear(api_client):
    api_client.post(
        "/api/v1/auth/social-login/",
        {"access_token": "clear-access-token", "refresh_token": "clear-refresh-token"},
        format="json",
    )

    dump = _database_dump_of("social_auth_usersocialauth")
    assert "clear-access-token" not in dump
    assert "clear-refresh-token" not in dump
    extra = UserSocialAuth.objects.get(provider="spotify").extra_data
    assert extra["access_token"].startswith("fernet:")
    assert extra["token_type"] == "Bearer"  # what is not a secret stays readable
