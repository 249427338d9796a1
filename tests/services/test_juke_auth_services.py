"""juke_auth's rules at the service level, on PostgreSQL: what the API tests check through HTTP, checked where
the rules live (so a task, a command or another app calling a service gets the same answers)."""

import pytest
from cryptography.fernet import Fernet
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import RequestFactory
from knox.models import AuthToken
from rest_registration.signers.register import RegisterSigner
from social_django.models import UserSocialAuth

from juke_auth import selectors
from juke_auth.errors import (
    AccountTaken,
    NotProfileOwner,
    ProfileNotFound,
    RegistrationDisabled,
    VerificationFailed,
)
from juke_auth.services.accounts import user_register, user_verify
from juke_auth.services.email_change import email_change_confirm, email_change_request
from juke_auth.services.profiles import music_profile_of, music_profile_of_owner
from juke_auth.services.spotify_credentials import (
    SpotifyCredentialsUnreadable,
    spotify_credentials_read,
    spotify_credentials_rotate_all,
    spotify_credentials_write,
)
from juke_auth.services.tokens import (
    SESSION_TOKEN_IDS,
    session_token_issue,
    user_sign_in,
    user_sign_out,
    user_sign_out_everywhere,
)
from juke_auth.services.usernames import username_from_provider
from tests.factories_auth import PASSWORD, UserFactory, verification_params

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def signed_link(user) -> dict:
    return RegisterSigner({"user_id": str(user.pk)}, strict=False).get_signed_data()


def browser_request():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    return request


# --- registration and verification ---


def test_register_creates_an_inactive_account_and_mails_its_link():
    user = user_register(username="ada", email="ada@example.com", password=PASSWORD)

    assert user.is_active is False
    assert len(mail.outbox) == 1
    assert verification_params(mail.outbox[0])["user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [("ADA", "other@example.com", "username"), ("grace", "ADA@EXAMPLE.COM", "email")],
)
def test_register_refuses_a_taken_name_or_address_in_any_letter_case(username, email, field):
    UserFactory(username="ada", email="ada@example.com")

    with pytest.raises(AccountTaken) as refused:
        user_register(username=username, email=email, password=PASSWORD)

    assert refused.value.field == field
    assert mail.outbox == []


def test_register_is_refused_while_registration_is_disabled(settings):
    settings.DISABLE_REGISTRATION = True

    with pytest.raises(RegistrationDisabled):
        user_register(username="ada", email="ada@example.com", password=PASSWORD)


def test_verify_activates_once_and_a_repeat_is_not_a_new_verification():
    user = UserFactory(is_active=False)
    link = signed_link(user)

    first = user_verify(**link)
    again = user_verify(**link)

    assert first.newly_verified is True
    assert again.newly_verified is False
    assert again.user.pk == user.pk


def test_verify_never_reactivates_an_account_deactivated_after_it_signed_in():
    user = UserFactory(is_active=False)
    link = signed_link(user)
    user_verify(**link)
    user.last_login = user.date_joined
    user.is_active = False
    user.save()

    with pytest.raises(VerificationFailed, match="already verified"):
        user_verify(**link)


def test_verify_refuses_a_forged_signature():
    link = signed_link(UserFactory(is_active=False))

    with pytest.raises(VerificationFailed, match="Invalid signature"):
        user_verify(**{**link, "signature": link["signature"][::-1] + "x"})


# --- e-mail change ---


def test_an_email_change_link_works_once_and_only_while_it_is_the_latest():
    user = UserFactory(email="old@example.com")
    email_change_request(user=user, email="first@example.com")
    first = verification_params(mail.outbox[-1])
    email_change_request(user=user, email="second@example.com")
    second = verification_params(mail.outbox[-1])

    with pytest.raises(VerificationFailed):
        email_change_confirm(**first)
    assert email_change_confirm(**second).email == "second@example.com"
    with pytest.raises(VerificationFailed):
        email_change_confirm(**second)


def test_an_email_change_to_another_users_address_is_refused_in_any_letter_case():
    UserFactory(email="taken@example.com")

    with pytest.raises(AccountTaken):
        email_change_request(user=UserFactory(), email="Taken@Example.com")


# --- usernames ---


def test_a_provider_name_becomes_a_free_ascii_username():
    UserFactory(username="Jose")

    name = username_from_provider(name="Jos\u00e9")

    assert name.isascii()
    assert name.lower().startswith("jose-")
    assert username_from_provider(name="\u0416\u0443\u043a") == "listener"  # nothing ASCII left: the fallback


# --- sign-in and sign-out ---


def test_a_sign_in_session_holds_no_token_key():
    user = UserFactory()
    request = browser_request()

    key = user_sign_in(request=request, user=user)
    second = session_token_issue(request=request, user=user)

    stored = str(dict(request.session.items()))
    assert key not in stored
    assert second not in stored
    assert len(request.session[SESSION_TOKEN_IDS]) == 2


def test_signing_out_revokes_this_sign_in_only_and_everywhere_revokes_all():
    user = UserFactory()
    request = browser_request()
    user_sign_in(request=request, user=user)
    AuthToken.objects.create(user=user)  # another device
    other_user_token, _ = AuthToken.objects.create(user=UserFactory())

    user_sign_out(request=request, user=user, token=None)
    assert AuthToken.objects.filter(user=user).count() == 1

    user_sign_out_everywhere(request=browser_request(), user=user)
    assert not AuthToken.objects.filter(user=user).exists()
    assert AuthToken.objects.filter(pk=other_user_token.pk).exists()


# --- Spotify tokens at rest ---


def linked_account(**extra_data):
    user = UserFactory()
    return UserSocialAuth.objects.create(user=user, provider="spotify", uid=f"sp-{user.pk}", extra_data=extra_data)


def test_spotify_tokens_round_trip_encrypted():
    account = linked_account()

    spotify_credentials_write(account=account, extra_data={"access_token": "a", "refresh_token": "r", "expires": 3600})
    account.refresh_from_db()

    assert account.extra_data["access_token"].startswith("fernet:")
    assert account.extra_data["expires"] == 3600
    assert spotify_credentials_read(account=account) == {"access_token": "a", "refresh_token": "r", "expires": 3600}


def test_rotation_re_encrypts_with_the_new_key_so_the_old_one_can_go(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SPOTIFY_TOKEN_KEYS = [old_key]
    account = linked_account()
    spotify_credentials_write(account=account, extra_data={"access_token": "a", "refresh_token": "r"})
    plain = linked_account(access_token="written-before-encryption")

    settings.SPOTIFY_TOKEN_KEYS = [new_key, old_key]
    assert spotify_credentials_rotate_all() == 2
    settings.SPOTIFY_TOKEN_KEYS = [new_key]

    account.refresh_from_db()
    plain.refresh_from_db()
    assert spotify_credentials_read(account=account)["refresh_token"] == "r"
    assert plain.extra_data["access_token"].startswith("fernet:")
    assert spotify_credentials_read(account=plain)["access_token"] == "written-before-encryption"


def test_a_token_under_a_removed_key_is_reported_not_returned_garbled(settings):
    settings.SPOTIFY_TOKEN_KEYS = [Fernet.generate_key().decode()]
    account = linked_account()
    spotify_credentials_write(account=account, extra_data={"access_token": "a"})
    settings.SPOTIFY_TOKEN_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(SpotifyCredentialsUnreadable):
        spotify_credentials_read(account=account)


# --- music profiles ---


def test_only_the_owner_may_change_a_profile_and_unknown_names_are_not_found():
    owner, other = UserFactory(), UserFactory()

    assert music_profile_of_owner(username=owner.username, caller=owner).user_id == owner.pk
    with pytest.raises(NotProfileOwner):
        music_profile_of_owner(username=owner.username, caller=other)
    with pytest.raises(ProfileNotFound):
        music_profile_of(username="nobody-here")


@pytest.mark.parametrize(("zoom", "minimum"), [(1, 0.5), (4, 0.5), (4.5, 0.2), (8, 0.2), (12, 0.05), (12.1, 0.0)])
def test_the_globe_minimum_clout_by_zoom(zoom, minimum):
    assert selectors.globe_min_clout(zoom=zoom) == minimum
