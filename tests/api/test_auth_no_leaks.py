"""No endpoint we own shows user A's token or e-mail to user B (issue 3, "done when")."""

import pytest
from rest_framework.test import APIClient
from social_django.models import UserSocialAuth

from tests.factories_auth import PASSWORD, MusicProfileFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def sign_in(username: str) -> tuple[APIClient, str]:
    client = APIClient()
    token = client.post(
        "/api/v1/auth/api-auth-token/", {"username": username, "password": PASSWORD}, format="json"
    ).json()["token"]
    return client, token


def test_user_b_never_sees_user_a_token_or_email_in_any_response():
    alice = UserFactory(username="alice", email="alice.secret@example.com")
    MusicProfileFactory(user=alice, display_name="Alice")
    UserSocialAuth.objects.create(
        user=alice, provider="spotify", uid="alicespotify", extra_data={"access_token": "alice-spotify-token"}
    )
    alice_session, alice_token = sign_in("alice")
    alice_session.get("/api/v1/users/me/")  # a session token exists too
    UserFactory(username="bob")
    bob, bob_token = sign_in("bob")
    bob.credentials(HTTP_AUTHORIZATION=f"Token {bob_token}")

    calls = [
        ("get", "/api/v1/", None),
        ("get", "/api/v1/users/", None),
        ("get", f"/api/v1/users/{alice.pk}/", None),
        ("get", "/api/v1/users/me/", None),
        ("patch", f"/api/v1/users/{alice.pk}/", {"email": "x@example.com"}),
        ("get", "/api/v1/music-profiles/alice/", None),
        ("patch", "/api/v1/music-profiles/alice/", {"tagline": "x"}),
        ("get", "/api/v1/music-profiles/search/?q=ali", None),
        ("get", "/api/v1/music-profiles/?online=true", None),
        ("get", "/api/v1/music-profiles/me/", None),
        ("get", "/api/v1/music-profiles/globe/", None),
        ("post", "/api/v1/auth/accounts/register-email/", {"email": "ALICE.secret@example.com"}),
        ("post", "/api/v1/auth/accounts/register/", {"username": "alice", "email": "alice.secret@example.com"}),
        ("post", "/api/v1/auth/accounts/resend-registration/", {"email": "alice.secret@example.com"}),
        ("post", "/api/v1/auth/accounts/resend-registration/", {"username": "alice"}),
        ("post", "/api/v1/auth/accounts/send-reset-password-link/", {"login": "alice"}),
        ("post", "/api/v1/auth/accounts/verify-registration/", {"user_id": alice.pk, "timestamp": 1, "signature": "x"}),
        ("post", "/api/v1/auth/api-auth-token/", {"username": "alice", "password": "wrong"}),
        ("post", "/api/v1/auth/social-login/", {"access_token": "bob-phone"}),
        ("get", "/api/v1/social-auth/login/spotify/", None),
    ]
    secrets = [alice_token, alice.email, "alice-spotify-token"]
    for method, url, body in calls:
        response = getattr(bob, method)(url, body, format="json") if body is not None else getattr(bob, method)(url)
        text = response.content.decode() + str(response.headers)
        for secret in secrets:
            assert secret not in text, f"{method.upper()} {url} leaked {secret!r}"
        assert response.status_code < 500, f"{method.upper()} {url} answered {response.status_code}"


def test_users_list_never_contains_emails_or_tokens():
    alice = UserFactory(email="alice.secret@example.com")
    _client, alice_token = sign_in(alice.username)
    bob, _ = sign_in(UserFactory().username)

    text = bob.get("/api/v1/users/").content.decode()

    assert alice.email not in text
    assert alice_token not in text
    assert "token" not in text
    assert "email" not in text
