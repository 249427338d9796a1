"""Juke settings: everything comes from the environment (or `.env`), read once through typed classes.

The per-concern files imported at the bottom (auth, spotify, tasks, engine, catalog) follow the same rule;
settings/production.py then refuses a production configuration that would run degraded.
"""

from pathlib import Path
from typing import Annotated, Literal

import dj_database_url
import orjson
from django.core.exceptions import ImproperlyConfigured
from pydantic import BeforeValidator, Field, model_validator

from settings.environment import BASE_DIR, CommaList, EnvironmentSettings, HttpUrl, read_environment
from settings.production import refuse_degraded_production

Port = Annotated[int, Field(ge=1, le=65535)]
# A key that only ever exists in this file and template.env: never acceptable outside development.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - the development-only key; production refuses it
# localhost, the compose service names and 10.0.2.2 (the Android emulator's name for the host).
DEVELOPMENT_ALLOWED_HOSTS = ["localhost", "127.0.0.1", "0.0.0.0", "backend", "web", "recommender-engine", "10.0.2.2"]  # noqa: S104 - development hosts only


class Runtime(EnvironmentSettings):
    JUKE_RUNTIME_ENV: Annotated[
        Literal["development", "staging", "production"], BeforeValidator(lambda value: str(value).lower())
    ] = "development"
    DJANGO_SECRET_KEY: str = ""
    DJANGO_DEBUG: bool = True
    BACKEND_PORT: Port = 8000
    # Local defaults in development only: elsewhere they decide redirects, e-mailed links and CORS.
    BACKEND_URL: HttpUrl | None = None
    FRONTEND_URL: HttpUrl | None = None
    DJANGO_ALLOWED_HOSTS: CommaList = DEVELOPMENT_ALLOWED_HOSTS
    CORS_ALLOWED_ORIGINS: CommaList = []
    # Throttles key anonymous clients by IP. X-Forwarded-For is trusted only for this many proxies in front
    # of the API (0: use the socket address), so a client cannot dodge a rate limit by inventing the header.
    NUM_PROXIES: int = Field(0, ge=0, le=10)
    LOG_LEVEL: str = "INFO"

    @property
    def is_development(self) -> bool:
        return self.JUKE_RUNTIME_ENV == "development"

    @model_validator(mode="after")
    def _outside_development_nothing_is_guessed(self) -> "Runtime":
        if self.is_development:
            return self
        key = self.DJANGO_SECRET_KEY
        if not key or key == DEVELOPMENT_SECRET_KEY or len(key) < 50:
            raise ImproperlyConfigured(
                f"DJANGO_SECRET_KEY must be set to a long random value (50+ characters) when "
                f"JUKE_RUNTIME_ENV={self.JUKE_RUNTIME_ENV}; the development default is refused."
            )
        for name in ("BACKEND_URL", "FRONTEND_URL"):
            if getattr(self, name) is None:
                raise ImproperlyConfigured(
                    f"{name} must be set (the public https origin) when JUKE_RUNTIME_ENV={self.JUKE_RUNTIME_ENV}."
                )
        return self


class Storage(EnvironmentSettings):
    """DATABASE_URL, or any POSTGRES_* value, selects PostgreSQL; with neither, an embedded SQLite file."""

    DATABASE_URL: str = ""
    POSTGRES_NAME: str | None = None
    POSTGRES_USER: str | None = None
    POSTGRES_PASSWORD: str | None = None
    POSTGRES_HOST: str | None = None
    POSTGRES_PORT: Port | None = None
    SQLITE_PATH: Path = BASE_DIR / "var" / "juke.sqlite3"
    # Redis as the shared cache (needed once several processes serve the API), else an in-process cache.
    CACHE_URL: str = ""
    # Seconds a SQLite writer waits for another one to finish before giving up.
    SQLITE_BUSY_TIMEOUT_SECONDS: float = Field(20.0, gt=0)

    @property
    def uses_postgres_variables(self) -> bool:
        names = ("POSTGRES_NAME", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_HOST", "POSTGRES_PORT")
        return any(getattr(self, name) is not None for name in names)


def database_settings(storage: Storage) -> dict:
    if storage.DATABASE_URL:
        try:
            return dict(dj_database_url.parse(storage.DATABASE_URL, conn_max_age=60, conn_health_checks=True))
        except ValueError as error:
            raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
    if storage.uses_postgres_variables:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": storage.POSTGRES_NAME or "juke",
            "USER": storage.POSTGRES_USER or "postgres",
            "PASSWORD": storage.POSTGRES_PASSWORD or "",
            "HOST": storage.POSTGRES_HOST or "127.0.0.1",
            "PORT": storage.POSTGRES_PORT or 5432,
            "CONN_MAX_AGE": 60,
            # A persistent connection is checked before reuse, so a PostgreSQL restart costs no request.
            "CONN_HEALTH_CHECKS": True,
        }
    storage.SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(storage.SQLITE_PATH),
        "OPTIONS": {
            # A transaction takes the write lock when it begins, so concurrent writers queue (up to the busy
            # timeout) instead of failing at once with "database is locked" when a reader upgrades to a writer.
            "transaction_mode": "IMMEDIATE",
            "timeout": storage.SQLITE_BUSY_TIMEOUT_SECONDS,
            # WAL lets readers run beside the one writer; NORMAL sync is safe with WAL and much faster.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


RUNTIME = read_environment(Runtime)
STORAGE = read_environment(Storage)

JUKE_RUNTIME_ENV = RUNTIME.JUKE_RUNTIME_ENV
IS_DEVELOPMENT: bool = RUNTIME.is_development
SECRET_KEY = RUNTIME.DJANGO_SECRET_KEY or DEVELOPMENT_SECRET_KEY
DEBUG = IS_DEVELOPMENT and RUNTIME.DJANGO_DEBUG

BACKEND_PORT = RUNTIME.BACKEND_PORT
BACKEND_URL = RUNTIME.BACKEND_URL or f"http://127.0.0.1:{BACKEND_PORT}"
FRONTEND_URL = RUNTIME.FRONTEND_URL or "http://127.0.0.1:5173"
ALLOWED_HOSTS = RUNTIME.DJANGO_ALLOWED_HOSTS
CORS_ALLOWED_ORIGINS = RUNTIME.CORS_ALLOWED_ORIGINS or [FRONTEND_URL]
CORS_ALLOW_CREDENTIALS = True
# Not the ListenBrainz API: /1/ answers any origin itself, without credentials (listening/views_listenbrainz.py).
CORS_URLS_REGEX = r"^(?!/1/)"
CSRF_TRUSTED_ORIGINS = list(CORS_ALLOWED_ORIGINS)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",
    "rest_registration",
    "social_django",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "juke_auth",
    "catalog",
    "playback",
    "listening",
    "recommender",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"
ASGI_APPLICATION = "settings.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


DATABASES = {"default": database_settings(STORAGE)}
SQLITE_PATH = str(STORAGE.SQLITE_PATH)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = STORAGE.CACHE_URL
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "juke"}}

AUTH_USER_MODEL = "juke_auth.JukeUser"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# `python manage.py test` runs the pytest suite.
TEST_RUNNER = "core.test_runner.PytestTestRunner"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "juke_auth.authentication.JukeTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.JukePagination",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JukeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": [
        # orjson: the same JSON as DRF's renderer, serialised in C (bench/load_mixed.py measures the stack).
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # List-item errors are keyed by index (an int), which DRF's renderer writes as a string key.
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_NON_STR_KEYS,),
    "DEFAULT_SCHEMA_CLASS": "core.openapi.JukeAutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {},
    "NUM_PROXIES": RUNTIME.NUM_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Juke API",
    "DESCRIPTION": "The Juke music platform: accounts, catalog, playback and recommendations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc come with the project (drf-spectacular-sidecar), so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}


class Email(EnvironmentSettings):
    """SMTP (staging/production); development prints mails to the console. EMAIL_HOST_USER is also the sender."""

    EMAIL_HOST: str = "smtp.gmail.com"
    EMAIL_PORT: Port = 587
    EMAIL_HOST_USER: str = "no-reply@juke.local"
    EMAIL_HOST_PASSWORD: str = ""
    EMAIL_USE_TLS: bool = True
    EMAIL_TIMEOUT: int = Field(10, ge=1)


EMAIL = read_environment(Email)
EMAIL_HOST = EMAIL.EMAIL_HOST
EMAIL_PORT = EMAIL.EMAIL_PORT
EMAIL_HOST_USER = EMAIL.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = EMAIL.EMAIL_HOST_PASSWORD
EMAIL_USE_TLS = EMAIL.EMAIL_USE_TLS
EMAIL_TIMEOUT = EMAIL.EMAIL_TIMEOUT
DEFAULT_FROM_EMAIL = EMAIL_HOST_USER
EMAIL_BACKEND = (
    "juke_auth.email_backends.ReadableConsoleEmailBackend"
    if IS_DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend"
)


class Hardening(EnvironmentSettings):
    """Staging/production only."""

    SECURE_SSL_REDIRECT: bool = True
    SECURE_HSTS_SECONDS: int = Field(31536000, ge=0)


# Production hardening; `manage.py check --deploy` passes with JUKE_RUNTIME_ENV=production.
if not IS_DEVELOPMENT:
    HARDENING = read_environment(Hardening)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = HARDENING.SECURE_SSL_REDIRECT
    SECURE_HSTS_SECONDS = HARDENING.SECURE_HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
# /healthz is probed over plain HTTP by load balancers and compose.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": RUNTIME.LOG_LEVEL.upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

from settings.auth import *  # noqa: E402,F403
from settings.catalog import *  # noqa: E402,F403
from settings.engine import *  # noqa: E402,F403
from settings.spotify import *  # noqa: E402,F403
from settings.tasks import *  # noqa: E402,F403

# Only a cache shared by every process sees every change; an in-process cache would serve old answers.
ANSWER_CACHE_SECONDS = (
    CATALOG.ANSWER_CACHE_SECONDS if CATALOG.ANSWER_CACHE_SECONDS is not None else (60 if CACHE_URL else 0)
)

if JUKE_RUNTIME_ENV == "production":
    refuse_degraded_production(
        allowed_hosts=ALLOWED_HOSTS,
        backend_url=BACKEND_URL,
        frontend_url=FRONTEND_URL,
        database_engine=DATABASES["default"]["ENGINE"],
        cache_backend=CACHES["default"]["BACKEND"],
        broker_url=CELERY_BROKER_URL,
        spotify_stub=SPOTIFY_USE_STUB_DATA,
    )
