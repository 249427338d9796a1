"""Changing the e-mail address: register-email sends a link to the new address, verify-email applies it
(issue 10.7, 10.8): a link works once, only for the latest requested address; addresses compare
case-insensitively; the database refusing a value is a 4xx, never "database unavailable"."""

import pytest
from django.core import mail

from juke_auth.models import JukeUser
from tests.factories_auth import UserFactory, token_client, verification_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

REGISTER_EMAIL = "/api/v1/auth/accounts/register-email/"
VERIFY_EMAIL = "/api/v1/auth/accounts/verify-email/"
LINK_USED = "This link was used already, or a newer e-mail change was requested. Use the latest link."


def request_change(client, email: str) -> dict[str, str]:
    response = client.post(REGISTER_EMAIL, {"email": email}, format="json")
    assert response.status_code == 200, response.content
    assert mail.outbox[-1].to == [email]
    return verification_params(mail.outbox[-1])


def test_a_change_link_puts_the_new_address_on_the_account(api_client):
    user = UserFactory(email="old@example.com")
    client, _ = token_client(user)
    link = request_change(client, "new@example.com")

    response = api_client.post(VERIFY_EMAIL, link, format="json")

    assert response.status_code == 200
    assert response.json() == {"detail": "Email verified successfully"}
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_a_change_link_works_only_once(api_client):
    user = UserFactory(email="old@example.com")
    client, _ = token_client(user)
    link = request_change(client, "new@example.com")
    api_client.post(VERIFY_EMAIL, link, format="json")

    response = api_client.post(VERIFY_EMAIL, link, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": LINK_USED}


def test_an_old_link_cannot_put_back_the_previous_address(api_client):
    user = UserFactory(email="first@example.com")
    client, _ = token_client(user)
    to_second = request_change(client, "second@example.com")
    api_client.post(VERIFY_EMAIL, to_second, format="json")
    to_third = request_change(client, "third@example.com")
    api_client.post(VERIFY_EMAIL, to_third, format="json")

    replay = api_client.post(VERIFY_EMAIL, to_second, format="json")

    assert replay.status_code == 400
    user.refresh_from_db()
    assert user.email == "third@example.com"


def test_only_the_latest_requested_address_can_be_confirmed(api_client):
    user = UserFactory(email="old@example.com")
    client, _ = token_client(user)
    older = request_change(client, "older@example.com")
    latest = request_change(client, "latest@example.com")

    assert api_client.post(VERIFY_EMAIL, older, format="json").status_code == 400
    assert api_client.post(VERIFY_EMAIL, latest, format="json").status_code == 200
    user.refresh_from_db()
    assert user.email == "latest@example.com"


def test_a_link_with_a_swapped_address_is_refused(api_client):
    client, _ = token_client(UserFactory())
    link = request_change(client, "mine@example.com")

    response = api_client.post(VERIFY_EMAIL, {**link, "email": "attacker@example.com"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid signature"}


def test_another_users_address_in_other_letter_case_is_refused_and_nobody_is_mailed(db):
    UserFactory(email="taken@example.com")
    client, _ = token_client(UserFactory())

    response = client.post(REGISTER_EMAIL, {"email": "TAKEN@Example.com"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"email": ["user with this email already exists."]}
    assert mail.outbox == []


def test_an_address_taken_after_the_link_was_sent_is_a_400_not_a_503(api_client):
    user = UserFactory(email="old@example.com")
    client, _ = token_client(user)
    link = request_change(client, "wanted@example.com")
    UserFactory(email="WANTED@example.com")  # another account took it meanwhile, in other letter case

    response = api_client.post(VERIFY_EMAIL, link, format="json")

    assert response.status_code == 400
    assert response.json() == {"email": ["user with this email already exists."]}
    user.refresh_from_db()
    assert user.email == "old@example.com"


def test_register_email_needs_a_signed_in_user(api_client):
    assert api_client.post(REGISTER_EMAIL, {"email": "x@example.com"}, format="json").status_code == 401


def test_verify_email_is_not_found_when_registration_is_disabled(api_client, settings):
    client, _ = token_client(UserFactory())
    link = request_change(client, "new@example.com")
    settings.DISABLE_REGISTRATION = True

    assert api_client.post(VERIFY_EMAIL, link, format="json").status_code == 404
    assert not JukeUser.objects.filter(email="new@example.com").exists()
