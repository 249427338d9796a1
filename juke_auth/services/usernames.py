"""Usernames: ASCII only, unique whatever the letter case (ADR 0013)."""

import re
import secrets
import unicodedata

from juke_auth.errors import AccountTaken
from juke_auth.models import JukeUser

USERNAME_TAKEN = "A user with that username already exists."
USERNAME_MAX_LENGTH = 150
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9@.+_-]+")


def username_is_taken(*, username: str) -> bool:
    """Whether an account already has this username, in any letter case."""
    return JukeUser.objects.filter(username__iexact=username).exists()


def username_ensure_available(*, username: str) -> None:
    """Raise AccountTaken (on `username`) when the name is taken in any letter case."""
    if username_is_taken(username=username):
        raise AccountTaken(USERNAME_TAKEN, code="unique", field="username")


def username_from_provider(*, name: str, fallback: str = "listener") -> str:
    """A free ASCII username made from a provider's display name (accents dropped, other characters removed),
    with a random suffix when the plain form is taken."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii")
    base = _NOT_ALLOWED.sub("", folded)[: USERNAME_MAX_LENGTH - 9] or fallback
    candidate = base
    while username_is_taken(username=candidate):
        candidate = f"{base}-{secrets.token_hex(4)}"
    return candidate
