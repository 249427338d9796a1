"""Spotify sign-in: OAuth state that survives a lost session, relinking, and token sign-in (mobile)."""

import logging

from django.conf import settings
from django.contrib.auth import login
from django.core.cache import cache
from django.http import HttpRequest
from social_core.exceptions import AuthProviderError, SocialAuthBaseException
from social_django.models import UserSocialAuth
from social_django.utils import load_backend, load_strategy

from juke_auth.errors import SpotifySignInFailed, SpotifyUnavailable
from juke_auth.models import JukeUser
from juke_auth.services.tokens import MODEL_BACKEND

logger = logging.getLogger(__name__)

SPOTIFY = "spotify"
# Set in a session whose sign-in was restored from the OAuth state cache (for the rest of that callback).
RESTORED_SIGN_IN_SESSION_KEY = "juke_spotify_restored_sign_in"
# social-core error codes that mean "Spotify could not be reached or is failing", not "you were refused".
UNAVAILABLE_CODES = {"connection_failed", "timeout", "tls_error", "unavailable", "rate_limited"}


def spotify_error_classify(*, error: Exception) -> type[SpotifySignInFailed | SpotifyUnavailable]:
    """SpotifyUnavailable or SpotifySignInFailed for an error raised by the social-auth flow."""
    if isinstance(error, AuthProviderError):
        status = getattr(error, "status_code", None)
        if error.code in UNAVAILABLE_CODES or (status is not None and status >= 500):
            return SpotifyUnavailable
    return SpotifySignInFailed


def _state_cache_key(backend_name: str, state: str) -> str:
    return f"{settings.SOCIAL_AUTH_STATE_CACHE_PREFIX}:{backend_name}:{state}"


def spotify_oauth_state_remember(
    *,
    backend_name: str,
    state: str,
    user: JukeUser | None,
    session_key: str,
    session_value: object,
    client: str = "",
) -> None:
    """Cache the OAuth state for SOCIAL_AUTH_STATE_CACHE_TTL: who was signed in when the flow started (and from
    which address: `client`, as the throttles see it), and the session entry social-auth needs at the callback."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    entry = {
        "user_id": user_id,
        "client": client,
        "session_key": session_key,
        "session_value": session_value,
    }
    cache.set(_state_cache_key(backend_name, state), entry, settings.SOCIAL_AUTH_STATE_CACHE_TTL)


def spotify_oauth_state_restore(*, request: HttpRequest, backend_name: str, state: str, client: str) -> bool:
    """On the OAuth callback, put a cached state back into a session that lost it, and sign in again the
    user who started the flow. Each cached state is used once (social-auth's nonce also is one-time).

    Returns True when the session was restored from the cache.
    """
    if not state or len(state) > 128:
        return False
    key = _state_cache_key(backend_name, state)
    entry = cache.get(key)
    if not isinstance(entry, dict):
        return False
    cache.delete(key)
    session_key = entry.get("session_key")
    if not session_key or request.session.get(session_key):
        return False
    user_id = entry.get("user_id")
    # Whoever opens the authorize URL finishes the flow, so the starter is signed in again only from the
    # address that started it: a state sent to someone else must not sign them in as the starter (nor link
    # their Spotify to the starter's account). A restored sign-in never takes over another user's link
    # (social_user_relinking) and ends if the flow fails. Residual risk: from a shared address (NAT), an
    # unlinked Spotify account can still be linked to the starter.
    if user_id and not request.user.is_authenticated and entry.get("client") == client:
        user = JukeUser.objects.filter(pk=user_id, is_active=True).first()
        if user is not None:
            login(request, user, backend=MODEL_BACKEND)
            request.session[RESTORED_SIGN_IN_SESSION_KEY] = True
    # After login(): it may start a fresh session, and the state must live in the one the callback uses.
    request.session[session_key] = entry.get("session_value")
    return True


def social_account_relink(*, social: UserSocialAuth, user: JukeUser) -> UserSocialAuth:
    """Move a linked Spotify account to `user` (the signed-in user connecting it)."""
    logger.info("Relinking %s account %s from user %s to user %s", social.provider, social.uid, social.user_id, user.pk)
    social.user = user
    social.save(update_fields=["user"])
    return social


def social_account_set_id_key(*, social: UserSocialAuth, id_key: str) -> UserSocialAuth:
    """Record which provider field the link's uid came from (social-core's id_key)."""
    social.id_key = id_key
    social.save(update_fields=["id_key"])
    return social


def spotify_stub_sign_in_refused() -> bool:
    """True when Spotify sign-in must be refused: stub Spotify (on whenever no credentials are configured)
    accepts any token or code, so it never signs anyone in in production."""
    if settings.SPOTIFY_USE_STUB_DATA and settings.JUKE_RUNTIME_ENV == "production":
        logger.error("Spotify sign-in refused: stub Spotify mode is on in production")
        return True
    return False


def spotify_token_sign_in(
    *, request: HttpRequest, access_token: str, refresh_token: str = "", signed_in_user: JukeUser | None = None
) -> JukeUser:
    """Sign in with a Spotify access token (mobile): look up the Spotify profile, then find, create or link
    the Juke user through the social-auth pipeline; stores the access token (and refresh token if given).
    A signed-in caller gets the Spotify account linked to them (taken over if another user had it).

    Raises SpotifyUnavailable (also for an unexpected failure, logged with its cause) or
    SpotifySignInFailed(message).
    """
    if spotify_stub_sign_in_refused():
        # The stub accepts any token (and lets the caller choose the Spotify id).
        raise SpotifyUnavailable()
    strategy = load_strategy(request)
    backend = load_backend(strategy, SPOTIFY, redirect_uri=None)
    response = {"access_token": access_token, "token_type": "Bearer"}
    if refresh_token:
        response["refresh_token"] = refresh_token
    try:
        user = backend.do_auth(access_token, response=response, user=signed_in_user)
    except SocialAuthBaseException as error:
        if spotify_error_classify(error=error) is SpotifyUnavailable:
            raise SpotifyUnavailable() from error
        raise SpotifySignInFailed(str(error) or None) from error
    except Exception as error:  # a provider failure social-core does not classify: never a bare 500
        logger.exception("Spotify token sign-in failed unexpectedly")
        raise SpotifyUnavailable() from error
    if user is None:
        raise SpotifySignInFailed("Spotify sign-in failed.")
    if not user.is_active:
        raise SpotifySignInFailed("User inactive or deleted.")
    return user
