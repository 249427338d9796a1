"""Encrypt the Spotify tokens already stored in clear in social_auth_usersocialauth.extra_data (ADR 0013)."""

from django.db import migrations

from juke_auth.services.spotify_credentials import SECRET_KEYS, secret_decrypt, secret_encrypt

PREFIX = "fernet:"


def _convert(apps, convert, *, encrypted: bool) -> None:
    UserSocialAuth = apps.get_model("social_django", "UserSocialAuth")
    for account in UserSocialAuth.objects.all().iterator():
        stored = account.extra_data if isinstance(account.extra_data, dict) else {}
        changed = {
            key: convert(value)
            for key in SECRET_KEYS
            if isinstance(value := stored.get(key), str) and value and value.startswith(PREFIX) == encrypted
        }
        if changed:
            account.extra_data = {**stored, **changed}
            account.save(update_fields=["extra_data"])


def encrypt_tokens(apps, schema_editor):
    _convert(apps, secret_encrypt, encrypted=False)


def decrypt_tokens(apps, schema_editor):
    _convert(apps, secret_decrypt, encrypted=True)


class Migration(migrations.Migration):
    dependencies = [
        ("juke_auth", "0003_usernames_ci_email_change_globe"),
        ("social_django", "0022_nonce_timestamp_index"),
    ]

    operations = [migrations.RunPython(encrypt_tokens, decrypt_tokens)]
