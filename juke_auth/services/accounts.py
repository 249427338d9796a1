"""Accounts: registration, e-mail verification and resending the verification link."""

import logging

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from rest_framework.request import Request
from rest_registration.signers.register import RegisterSigner
from rest_registration.verification_notifications import send_register_verification_email_notification

from juke_auth.models import JukeUser

logger = logging.getLogger(__name__)


class RegistrationDisabled(Exception):
    """Registration is switched off by DISABLE_REGISTRATION."""


class VerificationFailed(Exception):
    """A verification link that cannot be used; the message is the client-facing reason."""


def registration_ensure_enabled() -> None:
    """Raise RegistrationDisabled when DISABLE_REGISTRATION is on."""
    if settings.DISABLE_REGISTRATION:
        raise RegistrationDisabled()


def user_register(*, request: Request, username: str, email: str, password: str) -> JukeUser:
    """Create an inactive account and send its verification e-mail (both or neither)."""
    registration_ensure_enabled()
    with transaction.atomic():
        user = JukeUser.objects.create_user(username=username, email=email, password=password, is_active=False)
        send_register_verification_email_notification(request, user)
    return user


@transaction.atomic
def user_verify(*, user_id: str, timestamp: int, signature: str) -> JukeUser:
    """Activate the account a signed verification link points to; a link works once.

    Raises VerificationFailed("Invalid signature" | "Signature expired" | "Account is already verified...").
    """
    signer = RegisterSigner({"user_id": user_id, "timestamp": timestamp, "signature": signature}, strict=False)
    try:
        signer.verify()
    except signing.SignatureExpired:
        raise VerificationFailed("Signature expired") from None
    except signing.BadSignature:
        raise VerificationFailed("Invalid signature") from None
    try:
        user = JukeUser.objects.select_for_update().get(pk=int(user_id))
    except (JukeUser.DoesNotExist, ValueError, TypeError):
        raise VerificationFailed("Invalid signature") from None
    # An account that has ever signed in was verified already; this also stops an old link from
    # re-activating an account an administrator deactivated.
    if user.is_active or user.last_login is not None:
        raise VerificationFailed("Account is already verified. Please sign in.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def registration_resend(*, request: Request, email: str = "", username: str = "") -> None:
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
    send_register_verification_email_notification(request, user)
