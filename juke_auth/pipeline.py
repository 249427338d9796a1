"""Custom social-auth pipeline steps (see SOCIAL_AUTH_PIPELINE in settings/auth.py)."""

from social_core.pipeline.social_auth import social_user

from juke_auth.models import JukeUser
from juke_auth.services.social import (
    RESTORED_SIGN_IN_SESSION_KEY,
    social_account_relink,
    social_account_set_id_key,
)
from juke_auth.services.spotify_credentials import spotify_credentials_merge
from juke_auth.services.usernames import username_from_provider


def social_user_relinking(backend, uid, user=None, *args, id_key="", **kwargs):
    """social-core's social_user, except that a signed-in user takes over a Spotify account linked to
    another Juke user (relink) instead of failing with "already associated".

    A link stored without social-core's id_key (made by hand, by fixtures or an older version) is adopted
    rather than treated as a legacy identity that cannot be migrated.
    """
    social = backend.strategy.storage.user.get_social_auth(backend.name, str(uid))
    if social is not None:
        if social.id_key != id_key:
            social_account_set_id_key(social=social, id_key=id_key)
        # A sign-in restored from the state cache (no session cookie at the callback) may be someone else's
        # browser finishing the flow: it never takes a Spotify account away from its user (social_user then
        # refuses with "already associated").
        restored = backend.strategy.session_get(RESTORED_SIGN_IN_SESSION_KEY)
        if user is not None and social.user_id != user.pk and not restored:
            social_account_relink(social=social, user=user)
    return social_user(backend, uid, user, *args, id_key=id_key, **kwargs)


def drop_email_in_use(details, user=None, *args, **kwargs):
    """A new account keeps the provider's e-mail only if no Juke account uses it already.

    Spotify addresses are not verified by us, so they never attach to (or collide with) an existing account.
    """
    if user is not None:
        return None
    email = (details.get("email") or "").strip()
    if email and not JukeUser.objects.filter(email__iexact=email).exists():
        return {"details": {**details, "email": email}}
    return {"details": {**details, "email": None}}


def ascii_username(details, user=None, *args, **kwargs):
    """social-core's get_username under our rule: a new account gets an ASCII username that no account has
    in any letter case (ADR 0013)."""
    if user is not None:
        return {"username": user.username}
    return {"username": username_from_provider(name=details.get("username") or details.get("fullname") or "")}


def store_spotify_tokens(backend, details, response, uid, user=None, *args, **kwargs):
    """social-core's load_extra_data, storing the tokens encrypted (never a clear token in the database)."""
    social = kwargs.get("social") or backend.strategy.storage.user.get_social_auth(backend.name, uid)
    if social:
        extra_data = backend.extra_data(user, uid, response, details, kwargs)
        spotify_credentials_merge(account=social, changes=extra_data)
