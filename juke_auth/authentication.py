"""Token authentication (django-rest-knox) in one query per request."""

from datetime import UTC, datetime
from functools import cache
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

INVALID_TOKEN = "Invalid token."  # noqa: S105 - an error message, not a secret
_TOKEN_COLUMNS = ("digest", "created", "expiry")


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
        for auth_token in _tokens_with_their_user(key[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < now:
                break
            if knox_settings.AUTO_REFRESH and auth_token.expiry:
                self.renew_token(auth_token)  # writes at most once per MIN_REFRESH_INTERVAL
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(INVALID_TOKEN)


def _tokens_with_their_user(token_key: str) -> list[AuthToken]:
    """The tokens whose key starts with `token_key`, each with its user loaded, in one query.

    Written as SQL because building and compiling the ORM's `select_related` query cost as much CPU as the
    rest of a cached request (bench/RESULTS.md); the user still comes from the ORM, as a model instance.
    """
    tokens = []
    for user in get_user_model().objects.raw(_token_and_user_sql(), [token_key]):
        digest, created, expiry = (user.__dict__.pop(f"auth_token_{column}") for column in _TOKEN_COLUMNS)
        auth_token = AuthToken.from_db(
            connection.alias,
            ["digest", "token_key", "user_id", "created", "expiry"],
            [digest, token_key, user.pk, _stored_datetime(created), _stored_datetime(expiry)],
        )
        auth_token.user = user
        tokens.append(auth_token)
    return tokens


@cache
def _token_and_user_sql() -> str:
    quote = connection.ops.quote_name
    tokens, users = quote(AuthToken._meta.db_table), quote(get_user_model()._meta.db_table)
    token_columns = ", ".join(f"t.{quote(column)} AS {quote('auth_token_' + column)}" for column in _TOKEN_COLUMNS)
    # Only quoted table and column names are pasted in; the key is a parameter.
    return f"SELECT u.*, {token_columns} FROM {tokens} t JOIN {users} u ON u.id = t.user_id WHERE t.token_key = %s"  # noqa: S608


def _stored_datetime(value: datetime | str | None) -> datetime | None:
    # Extra columns of a raw query skip the ORM's conversion: SQLite gives its stored UTC time without a zone.
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
