"""Accounts: registration, e-mail verification and resending the verification link."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from rest_registration.signers.register import RegisterSigner
from rest_registration.verification_notifications import send_register_verification_email_notification

from juke_auth.errors import AccountTaken, RegistrationDisabled, VerificationFailed
from juke_auth.models import JukeUser
from juke_auth.services.usernames import username_ensure_available

logger = logging.getLogger(__name__)

ALREADY_VERIFIED = "Account is already verified. Please sign in."
EMAIL_TAKEN = "user with this email already exists."


@dataclass(frozen=True)
class Verification:
    """The outcome of a valid verification link: the account, and whether this use activated it."""

    user: JukeUser
    newly_verified: bool


def registration_ensure_enabled() -> None:
    """Raise RegistrationDisabled when DISABLE_REGISTRATION is on."""
    if settings.DISABLE_REGISTRATION:
        raise RegistrationDisabled()


def email_ensure_available(*, email: str, user: JukeUser | None = None) -> None:
    """Raise AccountTaken (on `email`) when another account uses this address, in any letter case."""
    others = JukeUser.objects.filter(email__iexact=email.strip())
    if user is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise AccountTaken(EMAIL_TAKEN, code="unique", field="email")


def user_register(*, username: str, email: str, password: str) -> JukeUser:
    """Create an inactive account and send its verification e-mail (both or neither).

    Raises RegistrationDisabled, or AccountTaken when the username (case-insensitively or as a look-alike)
    or the e-mail address (case-insensitively) is taken, also by a registration that raced this one.
    """
    registration_ensure_enabled()
    username_ensure_available(username=username)
    email_ensure_available(email=email)
    try:
        with transaction.atomic():
            user = JukeUser.objects.create_user(username=username, email=email, password=password, is_active=False)
            send_register_verification_email_notification(None, user)
    except IntegrityError:
        raise AccountTaken(code="unique", field="non_field_errors") from None
    return user


def _verification_link_user(*, user_id: str, timestamp: int, signature: str) -> JukeUser:
    signer = RegisterSigner({"user_id": user_id, "timestamp": timestamp, "signature": signature}, strict=False)
    try:
        signer.verify()
    except signing.SignatureExpired:
        raise VerificationFailed("Signature expired") from None
    except signing.BadSignature:
        raise VerificationFailed("Invalid signature") from None
    try:
        return JukeUser.objects.select_for_update().get(pk=int(user_id))
    except (JukeUser.DoesNotExist, ValueError, TypeError):
        raise VerificationFailed("Invalid signature") from None


@transaction.atomic
def user_verify(*, user_id: str, timestamp: int, signature: str) -> Verification:
    """Activate the account a signed verification link points to.

    Clients open a link twice (a double click, a re-render): a repeat of a valid link for an account that is
    active already answers Verification(newly_verified=False), so the caller hands out no second token.
    Raises VerificationFailed("Invalid signature" | "Signature expired" | ALREADY_VERIFIED for an account
    that was deactivated after it had signed in, so an old link never re-activates it).
    """
    user = _verification_link_user(user_id=user_id, timestamp=timestamp, signature=signature)
    if user.is_active:
        return Verification(user=user, newly_verified=False)
    if user.last_login is not None:
        raise VerificationFailed(ALREADY_VERIFIED)
    user.is_active = True
    user.save(update_fields=["is_active"])
    return Verification(user=user, newly_verified=True)


def registration_resend(*, email: str = "", username: str = "") -> None:
    """Send a fresh verification link to an account still waiting for verification.

    Does nothing (silently) when no such account exists or it is verified already, so the answer never
    reveals whether an account exists.
    """
    registration_ensure_enabled()
    lookup = Q()
    if email:
        lookup |= Q(email__iexact=email)
    if username:
        lookup |= Q(username__iexact=username)
    if not lookup:
        return
    candidates = JukeUser.objects.filter(lookup, is_active=False, last_login__isnull=True)
    # E-mail first, then username.
    user = candidates.filter(email__iexact=email).first() if email else None
    if user is None and username:
        user = candidates.filter(username__iexact=username).first()
    if user is None or not user.email:
        logger.info("Verification resend requested for an unknown or verified account")
        return
    send_register_verification_email_notification(None, user)
