"""Changing a user's e-mail address: a link to the new address, which works once and only for the latest request."""

import logging

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_registration.notifications.email import send_verification_notification
from rest_registration.notifications.enums import NotificationMethod, NotificationType
from rest_registration.signers.register_email import RegisterEmailSigner
from rest_registration.utils.verification import select_default_templates

from juke_auth.errors import AccountConflict, VerificationFailed
from juke_auth.models import JukeUser, PendingEmailChange
from juke_auth.services.accounts import email_ensure_available, registration_ensure_enabled

logger = logging.getLogger(__name__)

LINK_USED = "This link was used already, or a newer e-mail change was requested. Use the latest link."


def _link_timestamp(requested_at) -> int:
    return int(requested_at.timestamp())


def email_change_request(*, user: JukeUser, email: str) -> PendingEmailChange:
    """Remember `email` as the user's latest requested address and send the confirmation link to it.

    A newer request replaces the older one, so only the latest link can ever change the address.
    Raises RegistrationDisabled, or AccountTaken when another account uses the address in any letter case.
    """
    registration_ensure_enabled()
    email = JukeUser.objects.normalize_email(email.strip())
    email_ensure_available(email=email, user=user)
    requested_at = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        pending, _created = PendingEmailChange.objects.update_or_create(
            user=user, defaults={"email": email, "requested_at": requested_at}
        )
        signer = RegisterEmailSigner(
            {"user_id": str(user.pk), "email": email, "timestamp": _link_timestamp(requested_at)}, request=None
        )
        templates = select_default_templates(
            request=None,
            user=user,
            notification_method=NotificationMethod.EMAIL,
            notification_type=NotificationType.REGISTER_EMAIL_VERIFICATION,
        )
        send_verification_notification(
            NotificationType.REGISTER_EMAIL_VERIFICATION,
            user,
            {"params_signer": signer, "email_already_used": False},
            templates,
            custom_user_address=email,
        )
    return pending


def _verify_signature(*, user_id: str, email: str, timestamp: int, signature: str) -> None:
    data = {"user_id": user_id, "email": email, "timestamp": timestamp, "signature": signature}
    try:
        RegisterEmailSigner(data, strict=False).verify()
    except signing.SignatureExpired:
        raise VerificationFailed("Signature expired") from None
    except signing.BadSignature:
        raise VerificationFailed("Invalid signature") from None


@transaction.atomic
def email_change_confirm(*, user_id: str, email: str, timestamp: int, signature: str) -> JukeUser:
    """Put the address from a confirmation link on the account, once.

    Raises VerificationFailed (bad or expired signature; a link used already or not the latest one),
    AccountTaken (another account took the address meanwhile) or AccountConflict (it did so concurrently).
    """
    _verify_signature(user_id=user_id, email=email, timestamp=timestamp, signature=signature)
    pending = PendingEmailChange.objects.select_for_update().select_related("user").filter(user_id=user_id).first()  # type: ignore[misc]  # Django casts the signed id string; the stubs want an int
    if (
        pending is None
        or pending.email.lower() != email.strip().lower()
        or _link_timestamp(pending.requested_at) != int(timestamp)
    ):
        raise VerificationFailed(LINK_USED)
    user = pending.user
    email_ensure_available(email=pending.email, user=user)
    user.email = pending.email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError:
        raise AccountConflict() from None
    pending.delete()
    logger.info("User %s changed their e-mail address", user.pk)
    return user
