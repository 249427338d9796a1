"""Token authentication (django-rest-knox) in one query per request."""

from hmac import compare_digest

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

INVALID_TOKEN = "Invalid token."


class JukeTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; keys are stored hashed, one per sign-in. `Bearer` is not accepted.

    knox's own check reads every token of the user on each request to delete the expired ones; here an
    expired token is only refused, and `auth_tokens_purge_expired` (a beat task) deletes them in bulk.
    """

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        if "\x00" in key:  # PostgreSQL refuses NUL in a text lookup; no key contains one
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        digest = hash_token(key)
        now = timezone.now()
        candidates = AuthToken.objects.select_related("user").filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < now:
                break
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)  # writes at most once per MIN_REFRESH_INTERVAL
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(INVALID_TOKEN)
