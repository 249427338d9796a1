"""The one way to read and write a user's Spotify tokens: encrypted at rest in the social account's extra_data.

`access_token` and `refresh_token` are stored as `fernet:<token>` (cryptography's MultiFernet over the keys in
settings.SPOTIFY_TOKEN_KEYS: the first encrypts, every key decrypts); the other keys (expiry, token type) stay
readable. A value without the prefix is a row written before encryption; it is read as is until the data
migration or `rotate_spotify_token_key` encrypts it.
"""

from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from social_django.models import UserSocialAuth

SECRET_KEYS = ("access_token", "refresh_token")
PREFIX = "fernet:"


class SpotifyCredentialsUnreadable(Exception):
    """A stored token was encrypted with a key that is no longer configured."""


@cache
def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.SPOTIFY_TOKEN_KEYS])


@receiver(setting_changed)
def _forget_cipher(*, setting: str, **_kwargs: Any) -> None:
    if setting == "SPOTIFY_TOKEN_KEYS":
        _cipher.cache_clear()


def secret_encrypt(value: str) -> str:
    return PREFIX + _cipher().encrypt(value.encode()).decode()


def secret_decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        return value
    try:
        return _cipher().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SpotifyCredentialsUnreadable("A Spotify token was encrypted with a key no longer configured.") from None


def _secret_rotate(value: str) -> str:
    if not value.startswith(PREFIX):
        return secret_encrypt(value)
    return PREFIX + _cipher().rotate(value[len(PREFIX) :].encode()).decode()


def extra_data_encrypt(extra_data: dict[str, Any]) -> dict[str, Any]:
    """A copy of `extra_data` with its tokens encrypted (tokens already encrypted are kept)."""
    stored = dict(extra_data)
    for key in SECRET_KEYS:
        value = stored.get(key)
        if isinstance(value, str) and value and not value.startswith(PREFIX):
            stored[key] = secret_encrypt(value)
    return stored


def spotify_credentials_read(*, account: UserSocialAuth) -> dict[str, Any]:
    """The account's extra_data with its tokens in clear (a copy; rows of old social-auth versions give {})."""
    stored = account.extra_data if isinstance(account.extra_data, dict) else {}
    data = dict(stored)
    for key in SECRET_KEYS:
        if isinstance(data.get(key), str):
            data[key] = secret_decrypt(data[key])
    return data


def spotify_credentials_write(*, account: UserSocialAuth, extra_data: dict[str, Any]) -> None:
    """Store `extra_data` (tokens in clear) on the account, its tokens encrypted."""
    account.extra_data = extra_data_encrypt(extra_data)
    account.save(update_fields=["extra_data"])


def spotify_credentials_merge(*, account: UserSocialAuth, changes: dict[str, Any]) -> None:
    """Merge new values (tokens in clear, e.g. from a sign-in) into the account's extra_data and store them."""
    data = spotify_credentials_read(account=account)
    data.update(changes)
    spotify_credentials_write(account=account, extra_data=data)


def spotify_credentials_rotate_all() -> int:
    """Re-encrypt every stored token with the first configured key (and encrypt plain ones); returns the rows."""
    rotated = 0
    for account_id in UserSocialAuth.objects.values_list("pk", flat=True).iterator():
        with transaction.atomic():  # locked, so a token refresh running meanwhile is not overwritten
            account = UserSocialAuth.objects.select_for_update().get(pk=account_id)
            stored = account.extra_data if isinstance(account.extra_data, dict) else {}
            secrets = {key: stored[key] for key in SECRET_KEYS if isinstance(stored.get(key), str) and stored[key]}
            if not secrets:
                continue
            account.extra_data = {**stored, **{key: _secret_rotate(value) for key, value in secrets.items()}}
            account.save(update_fields=["extra_data"])
            rotated += 1
    return rotated
