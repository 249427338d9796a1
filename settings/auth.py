"""Accounts: tokens, registration and verification links, Spotify sign-in, throttling."""

import base64
import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from settings.base import FRONTEND_URL, IS_DEVELOPMENT, JUKE_RUNTIME_ENV, SECRET_KEY
from settings.env import env_bool, env_int, env_str

# --- Sign-in backends -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "juke_auth.backends.JukeSpotifyOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = FRONTEND_URL

# --- Auth tokens (django-rest-knox): one token per sign-in, stored hashed --------------------------------
# Tokens expire after AUTH_TOKEN_TTL_DAYS without use (every authenticated request slides the expiry,
# at most once a minute); 0 means tokens never expire.
AUTH_TOKEN_TTL_DAYS = env_int("AUTH_TOKEN_TTL_DAYS", 30, minimum=0, maximum=3650)
REST_KNOX = {
    "AUTH_TOKEN_CHARACTER_LENGTH": 40,  # 40 hex characters, the key length the clients expect
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": timedelta(days=AUTH_TOKEN_TTL_DAYS) if AUTH_TOKEN_TTL_DAYS else None,
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
    "TOKEN_LIMIT_PER_USER": None,
}

# --- Registration, verification and password reset (django-rest-registration) -------------------------
DISABLE_REGISTRATION = env_bool("DISABLE_REGISTRATION", False)
REGISTER_VERIFICATION_URL = env_str("REGISTER_VERIFICATION_URL", f"{FRONTEND_URL}/verify-user/")
RESET_PASSWORD_VERIFICATION_URL = env_str("RESET_PASSWORD_VERIFICATION_URL", f"{FRONTEND_URL}/reset-password/")
REGISTER_EMAIL_VERIFICATION_URL = env_str("REGISTER_EMAIL_VERIFICATION_URL", f"{FRONTEND_URL}/verify-email/")
REGISTER_VERIFICATION_PERIOD_DAYS = env_int("REGISTER_VERIFICATION_PERIOD_DAYS", 7, minimum=1, maximum=90)

_EMAILS = "juke_auth/emails"
REST_REGISTRATION = {
    "REGISTER_VERIFICATION_ENABLED": not DISABLE_REGISTRATION,
    "REGISTER_VERIFICATION_URL": REGISTER_VERIFICATION_URL,
    "REGISTER_VERIFICATION_PERIOD": timedelta(days=REGISTER_VERIFICATION_PERIOD_DAYS),
    # One-time use is enforced by juke_auth (an active account refuses its link with a clear message).
    "REGISTER_VERIFICATION_ONE_TIME_USE": False,
    "REGISTER_VERIFICATION_EMAIL_TEMPLATES": {
        "subject": f"{_EMAILS}/register_verification_subject.txt",
        "text_body": f"{_EMAILS}/register_verification_body.txt",
        "html_body": f"{_EMAILS}/register_verification_body.html",
    },
    "RESET_PASSWORD_VERIFICATION_ENABLED": not DISABLE_REGISTRATION,
    "RESET_PASSWORD_VERIFICATION_URL": RESET_PASSWORD_VERIFICATION_URL,
    "RESET_PASSWORD_VERIFICATION_ONE_TIME_USE": True,
    "RESET_PASSWORD_FAIL_WHEN_USER_NOT_FOUND": False,  # never reveal whether an account exists
    "RESET_PASSWORD_VERIFICATION_EMAIL_TEMPLATES": {
        "subject": f"{_EMAILS}/reset_password_subject.txt",
        "text_body": f"{_EMAILS}/reset_password_body.txt",
        "html_body": f"{_EMAILS}/reset_password_body.html",
    },
    "REGISTER_EMAIL_VERIFICATION_ENABLED": not DISABLE_REGISTRATION,
    "REGISTER_EMAIL_VERIFICATION_URL": REGISTER_EMAIL_VERIFICATION_URL,
    "VERIFICATION_FROM_EMAIL": env_str("EMAIL_HOST_USER", "no-reply@juke.local"),
    "USER_LOGIN_FIELDS": ["username"],
    "USER_PUBLIC_FIELDS": ["id", "username", "first_name", "last_name", "email"],
    "USER_EDITABLE_FIELDS": ["first_name", "last_name"],
    "REGISTER_SERIALIZER_CLASS": "juke_auth.serializers.RegisterInputSerializer",
}

# --- Spotify sign-in (social-auth-app-django) --------------------------------------------------------
# Credentials and scopes live in settings/spotify.py (SOCIAL_AUTH_SPOTIFY_KEY/SECRET/SCOPE).
SOCIAL_AUTH_URL_NAMESPACE = "social"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SPOTIFY_REDIRECT_PATH = env_str("SPOTIFY_REDIRECT_PATH", "/api/v1/social-auth/complete/spotify/")
SOCIAL_AUTH_STATE_CACHE_TTL = env_int("SOCIAL_AUTH_STATE_CACHE_TTL", 600, minimum=1)
SOCIAL_AUTH_STATE_CACHE_PREFIX = env_str("SOCIAL_AUTH_STATE_CACHE_PREFIX", "social-state")
SOCIAL_AUTH_LOGIN_REDIRECT_URL = FRONTEND_URL
SOCIAL_AUTH_NEW_USER_REDIRECT_URL = FRONTEND_URL
SOCIAL_AUTH_LOGIN_ERROR_URL = f"{FRONTEND_URL}/login?error=spotify_auth_failed"
SOCIAL_AUTH_INACTIVE_USER_URL = f"{FRONTEND_URL}/login?error=spotify_auth_failed"
SOCIAL_AUTH_ALLOWED_REDIRECT_HOSTS = [urlsplit(FRONTEND_URL).netloc]
SOCIAL_AUTH_USER_FIELDS = ["username", "email"]
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "juke_auth.pipeline.social_user_relinking",
    "juke_auth.pipeline.ascii_username",
    "juke_auth.pipeline.drop_email_in_use",
    "social_core.pipeline.user.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "juke_auth.pipeline.store_spotify_tokens",
    "social_core.pipeline.user.user_details",
)


# --- Spotify tokens at rest (social_auth_usersocialauth.extra_data) ------------------------------------------
# Comma-separated Fernet keys (`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key()
# .decode())"`): the first encrypts, every key decrypts, so a new key goes first and the old one stays until
# `manage.py rotate_spotify_token_key` has re-encrypted every row (ADR 0013). Development derives a key from
# DJANGO_SECRET_KEY; other environments must set it.
def _spotify_token_keys() -> list[str]:
    keys = [key.strip() for key in env_str("JUKE_SPOTIFY_TOKEN_KEYS", "").split(",") if key.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                "JUKE_SPOTIFY_TOKEN_KEYS must be Fernet keys (32 bytes, URL-safe base64), comma-separated."
            ) from None
    if keys:
        return keys
    if not IS_DEVELOPMENT:
        raise ImproperlyConfigured(
            f"JUKE_SPOTIFY_TOKEN_KEYS must be set (Fernet keys, comma-separated) when JUKE_RUNTIME_ENV={JUKE_RUNTIME_ENV}."
        )
    digest = hashlib.sha256(f"juke-spotify-tokens:{SECRET_KEY}".encode()).digest()
    return [base64.urlsafe_b64encode(digest).decode()]


SPOTIFY_TOKEN_KEYS = _spotify_token_keys()


# --- Throttling (DRF, cache based; per client IP, or per user when signed in) -----------------------------
def _throttle_rate(name: str, default: str) -> str:
    """A DRF rate such as "10/min" (periods: s, m, h, d and words starting with them)."""
    rate = env_str(name, default)
    if not re.fullmatch(r"\d+/(s|m|h|d)[a-z]*", rate):
        raise ImproperlyConfigured(f"{name} must be a rate like 10/min or 5/hour, got {rate!r}.")
    return rate


AUTH_THROTTLE_RATES = {
    "auth-login": _throttle_rate("AUTH_THROTTLE_LOGIN", "10/min"),
    "auth-register": _throttle_rate("AUTH_THROTTLE_REGISTER", "10/hour"),
    "auth-verify": _throttle_rate("AUTH_THROTTLE_VERIFY", "30/min"),
    "auth-resend": _throttle_rate("AUTH_THROTTLE_RESEND", "5/hour"),
    "auth-password-reset": _throttle_rate("AUTH_THROTTLE_PASSWORD_RESET", "5/hour"),
    "auth-social-login": _throttle_rate("AUTH_THROTTLE_SOCIAL_LOGIN", "20/min"),
}


def _window_rate(name: str, default: str) -> str:
    """N requests per window of M seconds, "N/Ms" (ListenBrainz states its limits per 10 s window)."""
    rate = env_str(name, default)
    if not re.fullmatch(r"\d+/[1-9]\d*s", rate):
        raise ImproperlyConfigured(f"{name} must be a rate like 50/10s (requests per window of seconds), got {rate!r}.")
    return rate


# The ListenBrainz API under /1/: ListenBrainz's own limits, per valid token or else per address.
LISTENBRAINZ_THROTTLE_RATES = {
    "token": _window_rate("LISTENBRAINZ_THROTTLE_TOKEN", "50/10s"),
    "address": _window_rate("LISTENBRAINZ_THROTTLE_ADDRESS", "30/10s"),
}
