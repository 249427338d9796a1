"""Token sign-in, sign-out and how requests authenticate (contract §1, §2.5, §2.6, §9.13)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient, APIRequestFactory

from juke_auth.authentication import JukeTokenAuthentication
from juke_auth.services.tokens import auth_tokens_purge_expired
from tests.factories_auth import PASSWORD, UserFactory, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

LOGIN = "/api/v1/auth/api-auth-token/"
LOGOUT = "/api/v1/auth/session/logout/"
LOGOUT_EVERYWHERE = "/api/v1/auth/session/logout-everywhere/"
ME = "/api/v1/music-profiles/me/"


def login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password}, format="json")


def test_login_returns_a_40_hex_token(api_client):
    UserFactory(username="ada")

    response = login(api_client, "ada")

    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40
    int(token, 16)


def test_login_token_is_stored_hashed(api_client):
    user = UserFactory(username="ada")
    token = login(api_client, "ada").json()["token"]

    stored = AuthToken.objects.get(user=user)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128


def test_login_also_establishes_a_session(api_client):
    UserFactory(username="ada")
    login(api_client, "ada")

    assert "sessionid" in api_client.cookies
    assert api_client.get(ME).status_code == 200


def test_each_login_hands_out_a_new_token_and_both_stay_valid(api_client):
    UserFactory(username="ada")
    first = login(APIClient(), "ada").json()["token"]
    second = login(APIClient(), "ada").json()["token"]

    assert first != second
    for token in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get(ME).status_code == 200


def test_login_with_a_wrong_password_is_refused_with_the_contract_message(api_client):
    UserFactory(username="ada")

    response = login(api_client, "ada", "wrong-password")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_login_of_an_inactive_user_is_refused_with_the_same_message(api_client):
    UserFactory(username="ada", is_active=False)

    response = login(api_client, "ada")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_login_with_an_email_instead_of_username_is_refused(api_client):
    UserFactory(username="ada", email="ada@example.com")

    assert login(api_client, "ada@example.com").status_code == 400


def test_login_without_fields_lists_them_as_required(api_client):
    response = api_client.post(LOGIN, {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"username": ["This field is required."], "password": ["This field is required."]}


def test_login_is_throttled_with_retry_after(api_client, settings):
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-login": "3/min"}
    for _ in range(3):
        login(api_client, "nobody", "x")

    response = login(api_client, "nobody", "x")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_login_ignores_a_stale_token_header(api_client):
    UserFactory(username="ada")
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "f" * 40)

    assert login(api_client, "ada").status_code == 200


# --- 401s ---


def test_anonymous_request_gets_401_with_www_authenticate_token(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_unknown_token_gets_401_invalid_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_non_utf8_token_gets_401_not_500(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=b"Token \xff\xfe".decode("latin-1"))

    assert api_client.get(ME).status_code == 401


def test_token_of_an_inactive_user_gets_401_user_inactive(api_client):
    user = UserFactory()
    client, _key = token_client(user)
    user.is_active = False
    user.save()

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_bearer_keyword_is_treated_as_no_credentials(api_client):
    _client, key = token_client(UserFactory())
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = api_client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_expired_token_is_refused(api_client, settings):
    user = UserFactory()
    client, _key = token_client(user)
    AuthToken.objects.filter(user=user).update(expiry="2000-01-01T00:00:00Z")

    assert client.get(ME).status_code == 401


def test_token_authentication_is_one_query_however_many_tokens_the_user_has(db, django_assert_num_queries):
    user = UserFactory()
    for _ in range(5):
        token_client(user)
    AuthToken.objects.filter(user=user).update(expiry="2000-01-01T00:00:00Z")
    _client, key = token_client(user)
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Token {key}")

    with django_assert_num_queries(1):
        authenticated_user, _token = JukeTokenAuthentication().authenticate(request)

    assert authenticated_user == user
    assert AuthToken.objects.filter(user=user).count() == 6  # expired ones are left to the purge task


def test_the_purge_deletes_expired_tokens_only(db):
    user = UserFactory()
    token_client(user)
    token_client(user)
    oldest = AuthToken.objects.filter(user=user).order_by("created").first()
    AuthToken.objects.filter(pk=oldest.pk).update(expiry="2000-01-01T00:00:00Z")

    assert auth_tokens_purge_expired() == 1
    assert AuthToken.objects.filter(user=user).count() == 1


def test_a_key_with_the_right_prefix_and_a_wrong_secret_is_refused(db):
    _client, key = token_client(UserFactory())
    forged = key[:15] + ("0" if key[15] != "0" else "1") + key[16:]
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Token {forged}")

    with pytest.raises(AuthenticationFailed):
        JukeTokenAuthentication().authenticate(request)


# --- logout ---


def test_logout_answers_204_with_an_empty_body_and_revokes_the_token_used(db):
    client, _key = token_client(UserFactory())

    response = client.post(LOGOUT)

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(ME).status_code == 401


def test_logout_keeps_the_users_other_devices_signed_in(db):
    user = UserFactory()
    phone, _ = token_client(user)
    laptop, _ = token_client(user)

    phone.post(LOGOUT)

    assert laptop.get(ME).status_code == 200


def test_logout_ends_the_session(api_client):
    UserFactory(username="ada")
    login(api_client, "ada")
    csrf = api_client.cookies["csrftoken"].value if "csrftoken" in api_client.cookies else ""

    response = api_client.post(LOGOUT, HTTP_X_CSRFTOKEN=csrf)

    assert response.status_code == 204
    assert api_client.get(ME).status_code == 401


def test_logout_of_a_session_revokes_the_token_handed_to_that_session(api_client):
    user = UserFactory(username="ada")
    token = login(api_client, "ada").json()["token"]

    api_client.post(LOGOUT)

    assert not AuthToken.objects.filter(user=user).exists()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert other.get(ME).status_code == 401


def test_logout_without_credentials_is_401(api_client):
    assert api_client.post(LOGOUT).status_code == 401


def test_session_post_without_csrf_token_is_refused(db):
    UserFactory(username="ada")
    client = APIClient(enforce_csrf_checks=True)
    login(client, "ada")

    response = client.patch(ME, {"tagline": "hi"}, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["login/", "logout/", "profile/"])
def test_the_library_endpoints_no_client_uses_are_gone(db, path):
    # A second login and a second logout with other rules (it revoked every device) are not served.
    client, _ = token_client(UserFactory())

    assert client.post(f"/api/v1/auth/accounts/{path}", {}, format="json").status_code == 404


def test_logout_everywhere_revokes_every_token_of_the_caller_and_only_theirs(db):
    user = UserFactory()
    phone, _ = token_client(user)
    laptop, _ = token_client(user)
    someone_else, _ = token_client(UserFactory())

    response = phone.post(LOGOUT_EVERYWHERE)

    assert response.status_code == 204
    assert response.content == b""
    assert phone.get(ME).status_code == 401
    assert laptop.get(ME).status_code == 401
    assert someone_else.get(ME).status_code == 200


def test_logout_everywhere_ends_the_session_too(api_client):
    UserFactory(username="ada")
    login(api_client, "ada")

    assert api_client.post(LOGOUT_EVERYWHERE).status_code == 204
    assert api_client.get(ME).status_code == 401


def test_logout_everywhere_without_credentials_is_401(api_client):
    assert api_client.post(LOGOUT_EVERYWHERE).status_code == 401


def test_a_used_token_is_renewed_once_per_refresh_interval(db):
    user = UserFactory()
    client, _key = token_client(user)
    soon = timezone.now() + timedelta(hours=1)
    AuthToken.objects.filter(user=user).update(expiry=soon)

    assert client.get(ME).status_code == 200
    renewed = AuthToken.objects.get(user=user).expiry
    assert renewed > soon + timedelta(days=1)

    assert client.get(ME).status_code == 200
    assert AuthToken.objects.get(user=user).expiry == renewed  # within the interval: no second write


def test_the_authenticated_user_and_token_are_plain_rows(db):
    user = UserFactory()
    _client, key = token_client(user)
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Token {key}")

    authenticated_user, token = JukeTokenAuthentication().authenticate(request)

    assert token == AuthToken.objects.get(user=user)
    assert token.created == AuthToken.objects.get(user=user).created
    assert not [name for name in vars(authenticated_user) if name.startswith("auth_token")]
    assert authenticated_user.date_joined == user.date_joined


def test_the_token_of_a_deactivated_user_is_refused(db):
    user = UserFactory()
    client, _key = token_client(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}
