"""/api/v1/users/: public fields of others; one's own e-mail and token only at users/me/ (contract §3, §9.14)."""

import pytest
from rest_framework.test import APIClient

from tests.factories_auth import PASSWORD, UserFactory, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

USERS = "/api/v1/users/"
ME = "/api/v1/users/me/"


def test_users_list_requires_authentication(api_client):
    response = api_client.get(USERS)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_users_list_is_paginated_newest_first_with_public_fields_only():
    older = UserFactory()
    newer = UserFactory()
    client, _ = token_client(newer)

    response = client.get(USERS)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["username"] for item in body["results"]] == [newer.username, older.username]
    assert set(body["results"][0]) == {"url", "id", "username"}
    assert body["results"][1]["url"] == f"http://testserver/api/v1/users/{older.pk}/"


def test_users_list_leaves_out_unverified_accounts():
    UserFactory(is_active=False)
    client, _ = token_client(UserFactory())

    assert client.get(USERS).json()["count"] == 1


def test_user_detail_shows_only_public_fields_of_another_user():
    other = UserFactory()
    client, _ = token_client(UserFactory())

    response = client.get(f"{USERS}{other.pk}/")

    assert response.status_code == 200
    assert set(response.json()) == {"url", "id", "username"}


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_nobody_can_change_or_delete_another_user(method):
    other = UserFactory()
    client, _ = token_client(UserFactory())

    response = getattr(client, method)(f"{USERS}{other.pk}/", {"username": "taken-over"}, format="json")

    assert response.status_code == 405
    other.refresh_from_db()
    assert other.username != "taken-over"


def test_users_cannot_be_created_through_the_list():
    client, _ = token_client(UserFactory())

    assert client.post(USERS, {"username": "x"}, format="json").status_code == 405


def test_me_returns_own_email_and_the_token_the_request_used():
    user = UserFactory()
    client, key = token_client(user)

    response = client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email
    assert body["token"] == key
    assert body["username"] == user.username
    assert body["url"] == f"http://testserver/api/v1/users/{user.pk}/"


def test_me_hands_a_session_client_a_usable_token_each_time(api_client):
    # The session keeps no token key (nothing usable from a database dump), so each call issues one.
    user = UserFactory()
    api_client.force_login(user)

    first = api_client.get(ME).json()["token"]
    second = api_client.get(ME).json()["token"]

    for key in (first, second):
        token_only = APIClient()
        token_only.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert token_only.get(ME).json()["username"] == user.username


def test_signing_out_a_session_revokes_every_token_it_handed_out(api_client):
    user = UserFactory()
    login_token = api_client.post(
        "/api/v1/auth/api-auth-token/", {"username": user.username, "password": PASSWORD}, format="json"
    ).json()["token"]
    me_token = api_client.get(ME).json()["token"]

    assert api_client.post("/api/v1/auth/session/logout/").status_code == 204

    for key in (login_token, me_token):
        token_only = APIClient()
        token_only.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert token_only.get(ME).status_code == 401


def test_me_requires_authentication(api_client):
    assert api_client.get(ME).status_code == 401
