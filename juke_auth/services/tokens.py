"""Auth tokens: one knox token per sign-in, and the session that can remember which one is its own.

A session remembers the tokens it handed out by their primary key (knox's digest, a hash that knox's own table
holds anyway), never by their key: a database dump (django_session included) holds nothing that signs anyone in.
"""

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.utils import timezone
from knox.models import AuthToken

from juke_auth.models import JukeUser

SESSION_TOKEN_IDS = "juke_auth_token_ids"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def auth_token_issue(*, user: JukeUser) -> str:
    """Create a new auth token for one sign-in and return its key (only its hash is stored)."""
    _instance, key = AuthToken.objects.create(user=user)
    return key


def _session_token_issue(*, request: HttpRequest, user: JukeUser) -> str:
    """A new token for this session; the session keeps the ids of the tokens it handed out (no secret)."""
    token, key = AuthToken.objects.create(user=user)
    request.session[SESSION_TOKEN_IDS] = [*request.session.get(SESSION_TOKEN_IDS, []), token.pk]
    return key


def _session_tokens(*, request: HttpRequest, user: JukeUser):
    session = getattr(request, "session", None)
    token_ids = session.get(SESSION_TOKEN_IDS, []) if session is not None else []
    return AuthToken.objects.filter(pk__in=token_ids, user=user)


def user_sign_in(*, request: HttpRequest, user: JukeUser, backend: str = MODEL_BACKEND) -> str:
    """Sign `user` in: start a Django session and hand out a new auth token (remembered by the session)."""
    login(request, user, backend=backend)
    return _session_token_issue(request=request, user=user)


def session_token_issue(*, request: HttpRequest, user: JukeUser) -> str:
    """A new token for a session-authenticated client. Only hashes are stored, so a key handed out earlier
    cannot be read back; the session remembers every token it handed out, and signing out revokes them."""
    return _session_token_issue(request=request, user=user)


def user_sign_out(*, request: HttpRequest, user: JukeUser, token: AuthToken | None) -> None:
    """End this sign-in: revoke the token the request used (and those its session handed out), end the session.

    The user's other tokens (other devices) stay valid.
    """
    if token is not None:
        token.delete()
    _session_tokens(request=request, user=user).delete()
    logout(request)


def user_sign_out_everywhere(*, request: HttpRequest, user: JukeUser) -> int:
    """End every sign-in of `user`: all tokens (every device) and this session; returns how many tokens."""
    revoked = user_tokens_revoke(user_id=user.pk)
    logout(request)
    return revoked


def user_tokens_revoke(*, user_id: int, keep: AuthToken | None = None) -> int:
    """Revoke every auth token of a user (after a password reset or change), except `keep`; returns how many."""
    tokens = AuthToken.objects.filter(user_id=user_id)
    if keep is not None:
        tokens = tokens.exclude(pk=keep.pk)
    deleted, _by_model = tokens.delete()
    return deleted


def auth_tokens_purge_expired() -> int:
    """Delete every expired auth token (authentication refuses them already); returns how many."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted
