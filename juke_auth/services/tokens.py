"""Auth tokens: one knox token per sign-in, and the session that can remember it."""

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS

from juke_auth.models import JukeUser

SESSION_TOKEN_KEY = "juke_auth_token"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def auth_token_issue(*, user: JukeUser) -> str:
    """Create a new auth token for one sign-in and return its key (only its hash is stored)."""
    _instance, key = AuthToken.objects.create(user=user)
    return key


def auth_token_find(*, user: JukeUser, key: str) -> AuthToken | None:
    """The stored, unexpired token of `user` whose key is `key`, if any."""
    if not key or not isinstance(key, str):
        return None
    digest = hash_token(key)
    token = AuthToken.objects.filter(user=user, token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], digest=digest).first()
    if token is None:
        return None
    if token.expiry is not None and token.expiry < timezone.now():
        token.delete()
        return None
    return token


def user_sign_in(*, request: HttpRequest, user: JukeUser, backend: str = MODEL_BACKEND) -> str:
    """Sign `user` in: start a Django session and hand out a new auth token (remembered by the session)."""
    login(request, user, backend=backend)
    key = auth_token_issue(user=user)
    request.session[SESSION_TOKEN_KEY] = key
    return key


def session_token_get_or_issue(*, request: HttpRequest, user: JukeUser) -> str:
    """The auth token of this browser session: the one it already holds, else a new one it will keep."""
    key = request.session.get(SESSION_TOKEN_KEY)
    if key and auth_token_find(user=user, key=key) is not None:
        return key
    key = auth_token_issue(user=user)
    request.session[SESSION_TOKEN_KEY] = key
    return key


def user_sign_out(*, request: HttpRequest, user: JukeUser, token: AuthToken | None) -> None:
    """End this sign-in: revoke the token the request used (and the one its session held), end the session.

    The user's other tokens (other devices) stay valid.
    """
    if token is not None:
        token.delete()
    session = getattr(request, "session", None)
    if session is not None:
        session_key = session.get(SESSION_TOKEN_KEY)
        if session_key:
            held = auth_token_find(user=user, key=session_key)
            if held is not None:
                held.delete()
    logout(request)


def user_tokens_revoke(*, user_id: int, keep: AuthToken | None = None) -> int:
    """Revoke every auth token of a user (after a password reset or change), except `keep`; returns how many."""
    tokens = AuthToken.objects.filter(user_id=user_id)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    deleted, _by_model = tokens.delete()
    return deleted
