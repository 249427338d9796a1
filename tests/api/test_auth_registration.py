"""Registration, e-mail verification, resending the link, password reset and change (/api/v1/auth/accounts/)."""

import time

import pytest
from django.core import mail
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_registration.signers.register import RegisterSigner

from juke_auth.models import JukeUser
from tests.factories_auth import PASSWORD, UserFactory, register, token_client, verification_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

REGISTER = "/api/v1/auth/accounts/register/"
VERIFY = "/api/v1/auth/accounts/verify-registration/"
RESEND = "/api/v1/auth/accounts/resend-registration/"


def registered_link(api_client, **kwargs) -> dict[str, str]:
    assert register(api_client, **kwargs).status_code == 201
    return verification_params(mail.outbox[-1])


# --- register ---


def test_register_creates_an_inactive_user_and_answers_201_with_user_fields_and_detail(api_client):
    response = register(api_client, username="ada", email="ada@example.com")

    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "ada"
    assert body["email"] == "ada@example.com"
    assert set(body) == {"id", "username", "first_name", "last_name", "email", "detail"}
    assert body["detail"] == "Account created. Check your e-mail to verify it."
    assert JukeUser.objects.get(username="ada").is_active is False


def test_register_sends_one_verification_email_with_the_contract_subject_text_and_html(api_client, settings):
    settings.EMAIL_HOST_USER = "juke@example.com"
    register(api_client, username="ada", email="ada@example.com")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Welcome to Juke! Please verify your Account"
    assert message.to == ["ada@example.com"]
    lines = message.body.splitlines()
    assert lines[0] == "Welcome to Juke! Let's get listening."
    assert lines[1] == "Please verify your account by visiting:"
    assert lines[2].startswith(f"{settings.REGISTER_VERIFICATION_URL}?")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert ">here</a>" in html


def test_verification_link_carries_user_id_timestamp_and_a_register_signature(api_client):
    params = registered_link(api_client, username="ada", email="ada@example.com")

    user = JukeUser.objects.get(username="ada")
    assert params["user_id"] == str(user.pk)
    assert abs(int(params["timestamp"]) - time.time()) < 60
    assert len(params["signature"]) == 43
    assert set(params) == {"user_id", "timestamp", "signature"}


@pytest.mark.parametrize("field", ["username", "email", "password", "password_confirm"])
def test_register_without_a_field_is_refused_with_code_required(api_client, field):
    body = {"username": "ada", "email": "ada@example.com", "password": PASSWORD, "password_confirm": PASSWORD}
    del body[field]

    response = api_client.post(REGISTER, body, format="json")

    assert response.status_code == 400
    assert response.json()[field] == ["This field is required."]
    assert response.data[field][0].code == "required"


def test_register_with_different_passwords_is_refused_on_password_confirm(api_client):
    response = register(api_client, password_confirm="something-else-2026")

    assert response.status_code == 400
    assert response.json() == {"password_confirm": ["Passwords don't match"], "non_field_errors": []}
    assert response.data["password_confirm"][0].code == "passwords-do-not-match"


def test_register_with_a_taken_username_is_refused(api_client):
    UserFactory(username="ada")

    response = register(api_client, username="ada")

    assert response.status_code == 400
    assert response.json()["username"] == ["A user with that username already exists."]


def test_register_with_a_taken_email_in_other_case_is_refused_with_code_unique(api_client):
    UserFactory(email="ada@example.com")

    response = register(api_client, email="ADA@Example.com")

    assert response.status_code == 400
    assert response.json()["email"] == ["user with this email already exists."]
    assert response.data["email"][0].code == "unique"


def test_register_with_an_invalid_email_is_refused(api_client):
    response = register(api_client, email="not-an-address")

    assert response.status_code == 400
    assert response.json()["email"] == ["Enter a valid email address."]


def test_register_with_an_invalid_username_is_refused(api_client):
    response = register(api_client, username="no spaces!")

    assert response.status_code == 400
    assert "username" in response.json()


@pytest.mark.parametrize("username", ["me", "Search"])
def test_register_refuses_usernames_that_would_shadow_profile_routes(api_client, username):
    response = register(api_client, username=username)

    assert response.status_code == 400
    assert response.data["username"][0].code == "reserved"


@pytest.mark.parametrize("password", ["short1", "12345678901", "password123"])
def test_register_with_a_weak_password_is_refused_with_validator_messages(api_client, password):
    response = register(api_client, password=password, password_confirm=password)

    assert response.status_code == 400
    body = response.json()
    assert body["password"]
    assert body["non_field_errors"] == []


def test_register_answers_403_when_registration_is_disabled(api_client, settings):
    settings.DISABLE_REGISTRATION = True

    response = register(api_client)

    assert response.status_code == 403
    assert response.json() == {"detail": "Registration is temporarily disabled. Please try again later."}
    assert not JukeUser.objects.exists()


def test_register_with_a_non_object_body_is_a_400_not_a_500(api_client):
    response = api_client.post(REGISTER, ["ada"], format="json")

    assert response.status_code == 400


def test_register_is_throttled_with_retry_after(api_client, settings):
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-register": "2/hour"}
    register(api_client, username="one", email="one@example.com")
    register(api_client, username="two", email="two@example.com")

    response = register(api_client, username="three", email="three@example.com")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# --- verify ---


def test_verify_activates_the_user_and_returns_token_and_username(api_client):
    params = registered_link(api_client, username="ada", email="ada@example.com")

    response = api_client.post(VERIFY, params, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["detail"] == "Account verified."
    assert body["username"] == "ada"
    assert len(body["token"]) == 40
    assert JukeUser.objects.get(username="ada").is_active is True


def test_verify_token_works_for_authenticated_requests(api_client):
    params = registered_link(api_client)
    token = api_client.post(VERIFY, params, format="json").json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/v1/users/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "newlistener"


def test_verify_also_signs_in_the_session(api_client):
    params = registered_link(api_client)
    api_client.post(VERIFY, params, format="json")

    assert api_client.get("/api/v1/music-profiles/me/").status_code == 200


def test_verify_accepts_string_user_id_and_timestamp_as_the_clients_send_them(api_client):
    params = registered_link(api_client)

    response = api_client.post(VERIFY, {key: str(value) for key, value in params.items()}, format="json")

    assert response.status_code == 200


def test_a_verification_link_hands_out_a_token_only_once(api_client):
    # Clients post the same link twice (and the e-mail gets clicked twice): the repeat says it is done.
    params = registered_link(api_client)
    api_client.post(VERIFY, params, format="json")

    response = APIClient().post(VERIFY, params, format="json")

    assert response.status_code == 200
    assert response.json() == {"detail": "Account already verified.", "username": "newlistener"}
    assert AuthToken.objects.filter(user__username="newlistener").count() == 1


def test_a_repeated_link_after_signing_in_still_answers_already_verified(api_client):
    params = registered_link(api_client)
    api_client.post(VERIFY, params, format="json")
    api_client.post("/api/v1/auth/api-auth-token/", {"username": "newlistener", "password": PASSWORD}, format="json")

    response = APIClient().post(VERIFY, params, format="json")

    assert response.status_code == 200
    assert "token" not in response.json()


def test_verify_with_a_forged_signature_is_refused(api_client):
    params = registered_link(api_client)
    first = params["signature"][0]
    params["signature"] = ("y" if first == "x" else "x") + params["signature"][1:]  # always a different signature

    response = api_client.post(VERIFY, params, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid signature"}
    assert JukeUser.objects.get(username="newlistener").is_active is False


def test_verify_with_another_users_id_is_refused(api_client):
    params = registered_link(api_client)
    other = UserFactory(is_active=False)
    params["user_id"] = str(other.pk)

    response = api_client.post(VERIFY, params, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid signature"}


def test_verify_with_a_signed_link_of_a_deleted_user_is_refused_as_invalid(api_client):
    params = registered_link(api_client)
    JukeUser.objects.filter(username="newlistener").delete()

    response = api_client.post(VERIFY, params, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid signature"}


def test_verify_with_an_expired_link_is_refused(api_client):
    register(api_client)
    user = JukeUser.objects.get(username="newlistener")
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    data = {"timestamp": eight_days_ago, "user_id": user.pk}
    # Signed exactly as the library signs links (Signer(salt="register") over the sorted pairs), but 8 days old.
    signature = RegisterSigner(data, strict=False).calculate_signature()

    response = api_client.post(
        VERIFY, {"user_id": str(user.pk), "timestamp": str(eight_days_ago), "signature": signature}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Signature expired"}


def test_verify_without_fields_lists_each_required_field(api_client):
    response = api_client.post(VERIFY, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"user_id", "timestamp", "signature"}


def test_verify_with_a_non_numeric_timestamp_is_a_400(api_client):
    response = api_client.post(VERIFY, {"user_id": "1", "timestamp": "soon", "signature": "abc"}, format="json")

    assert response.status_code == 400
    assert "timestamp" in response.json()


def test_verify_is_not_found_when_registration_is_disabled(api_client, settings):
    params = registered_link(api_client)
    settings.DISABLE_REGISTRATION = True

    assert api_client.post(VERIFY, params, format="json").status_code == 404


def test_verify_ignores_a_bad_token_header(api_client):
    params = registered_link(api_client)
    api_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert api_client.post(VERIFY, params, format="json").status_code == 200


def test_an_old_link_does_not_reactivate_an_account_an_administrator_deactivated(api_client):
    params = registered_link(api_client)
    api_client.post(VERIFY, params, format="json")
    JukeUser.objects.filter(username="newlistener").update(is_active=False)

    response = api_client.post(VERIFY, params, format="json")

    assert response.status_code == 400
    assert JukeUser.objects.get(username="newlistener").is_active is False


# --- resend ---

RESEND_ANSWER = {"detail": "If an account is waiting for verification, we sent a new e-mail."}


@pytest.mark.parametrize("lookup", [{"email": "ADA@example.com"}, {"username": "Ada"}])
def test_resend_sends_a_fresh_link_to_an_unverified_account(api_client, lookup):
    register(api_client, username="ada", email="ada@example.com")
    mail.outbox = []

    response = api_client.post(RESEND, lookup, format="json")

    assert response.status_code == 200
    assert response.json() == RESEND_ANSWER
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    assert api_client.post(VERIFY, verification_params(mail.outbox[0]), format="json").status_code == 200


def test_resend_for_an_unknown_account_answers_the_same_and_sends_nothing(api_client):
    response = api_client.post(RESEND, {"email": "nobody@example.com"}, format="json")

    assert response.status_code == 200
    assert response.json() == RESEND_ANSWER
    assert mail.outbox == []


def test_resend_for_a_verified_account_answers_the_same_and_sends_nothing(api_client):
    UserFactory(email="ada@example.com")

    response = api_client.post(RESEND, {"email": "ada@example.com"}, format="json")

    assert response.status_code == 200
    assert response.json() == RESEND_ANSWER
    assert mail.outbox == []


def test_resend_without_email_or_username_is_refused(api_client):
    response = api_client.post(RESEND, {"email": " "}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Email or username is required."}


def test_resend_answers_403_when_registration_is_disabled(api_client, settings):
    settings.DISABLE_REGISTRATION = True

    response = api_client.post(RESEND, {"email": "ada@example.com"}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Registration is temporarily disabled. Please try again later."}


def test_resend_is_throttled_with_retry_after(api_client, settings):
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-resend": "1/hour"}
    api_client.post(RESEND, {"email": "a@example.com"}, format="json")

    response = api_client.post(RESEND, {"email": "a@example.com"}, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# --- password reset and change (django-rest-registration endpoints) ---

SEND_RESET = "/api/v1/auth/accounts/send-reset-password-link/"
RESET = "/api/v1/auth/accounts/reset-password/"
NEW_PASSWORD = "a-brand-new-Password-99"


def test_reset_link_is_emailed_and_resets_the_password_once(api_client):
    user = UserFactory(username="ada")

    response = api_client.post(SEND_RESET, {"login": "ada"}, format="json")

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    params = verification_params(mail.outbox[0])
    body = {**params, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert api_client.post(RESET, body, format="json").status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert api_client.post(RESET, body, format="json").status_code == 400


def test_reset_link_request_for_an_unknown_user_answers_200_and_sends_nothing(api_client):
    response = api_client.post(SEND_RESET, {"login": "nobody"}, format="json")

    assert response.status_code == 200
    assert mail.outbox == []


def test_reset_link_requests_are_throttled(api_client, settings):
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-password-reset": "1/hour"}
    api_client.post(SEND_RESET, {"login": "nobody"}, format="json")

    response = api_client.post(SEND_RESET, {"login": "nobody"}, format="json")

    assert response.status_code == 429
    assert "Retry-After" in response


def test_change_password_needs_the_old_password(db):
    user = UserFactory()
    client, _key = token_client(user)
    url = "/api/v1/auth/accounts/change-password/"

    wrong = client.post(url, {"old_password": "nope", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    right = client.post(
        url, {"old_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, format="json"
    )

    assert wrong.status_code == 400
    assert right.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_password_reset_signs_the_account_out_everywhere(api_client):
    user = UserFactory(username="ada")
    phone, _key = token_client(user)
    api_client.post(SEND_RESET, {"login": "ada"}, format="json")
    params = verification_params(mail.outbox[0])

    api_client.post(RESET, {**params, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, format="json")

    assert phone.get("/api/v1/users/me/").status_code == 401


def test_changing_the_password_keeps_this_sign_in_and_ends_the_others(db):
    user = UserFactory()
    laptop, _ = token_client(user)
    phone, _ = token_client(user)

    laptop.post(
        "/api/v1/auth/accounts/change-password/",
        {"old_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        format="json",
    )

    assert laptop.get("/api/v1/users/me/").status_code == 200
    assert phone.get("/api/v1/users/me/").status_code == 401
