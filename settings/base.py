"""Juke settings: everything comes from the environment (a `.env` file is loaded if present).

The per-concern files imported at the bottom (auth, spotify, tasks, engine) follow the same rule.
"""

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from settings.env import (
    BASE_DIR,
    env_bool,
    env_int,
    env_is_set,
    env_list,
    env_port,
    env_str,
    env_url,
    load_env_file,
)

load_env_file()

RUNTIME_ENVIRONMENTS = ("development", "staging", "production")
JUKE_RUNTIME_ENV = env_str("JUKE_RUNTIME_ENV", "development").lower()
if JUKE_RUNTIME_ENV not in RUNTIME_ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"JUKE_RUNTIME_ENV must be one of {', '.join(RUNTIME_ENVIRONMENTS)}, got {JUKE_RUNTIME_ENV!r}."
    )
IS_DEVELOPMENT = JUKE_RUNTIME_ENV == "development"
RUNNING_TESTS = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

# A key that only ever exists in this file and template.env: never acceptable outside development.
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (DEVELOPMENT_SECRET_KEY if IS_DEVELOPMENT else "")
if not IS_DEVELOPMENT and (not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY must be set to a long random value (50+ characters) when "
        f"JUKE_RUNTIME_ENV={JUKE_RUNTIME_ENV}; the development default is refused."
    )

DEBUG = IS_DEVELOPMENT and env_bool("DJANGO_DEBUG", True)

BACKEND_PORT = env_port("BACKEND_PORT", 8000)
RECOMMENDER_PORT = env_port("RECOMMENDER_PORT", 9000)
# Local defaults in development only: elsewhere they decide redirects, e-mailed links and CORS, so they must be set.
for _name in ("BACKEND_URL", "FRONTEND_URL"):
    if not IS_DEVELOPMENT and not env_is_set(_name):
        raise ImproperlyConfigured(
            f"{_name} must be set (the public https origin) when JUKE_RUNTIME_ENV={JUKE_RUNTIME_ENV}."
        )
BACKEND_URL = env_url("BACKEND_URL", f"http://127.0.0.1:{BACKEND_PORT}")
FRONTEND_URL = env_url("FRONTEND_URL", "http://127.0.0.1:5173")

# localhost, the compose service names and 10.0.2.2 (the Android emulator's name for the host).
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    ["localhost", "127.0.0.1", "0.0.0.0", "backend", "web", "recommender-engine", "10.0.2.2"],
)
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [FRONTEND_URL])
CORS_ALLOW_CREDENTIALS = True
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

# Database: DATABASE_URL, or POSTGRES_* values, select PostgreSQL; with neither, an embedded SQLite file.
SQLITE_PATH = env_str("SQLITE_PATH", str(BASE_DIR / "var" / "juke.sqlite3"))
POSTGRES_VARIABLES = ("POSTGRES_NAME", "POSTGRES_HOST", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_PORT")
if env_is_set("DATABASE_URL"):
    try:
        DATABASES = {
            "default": dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=60, conn_health_checks=True)
        }
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
elif any(env_is_set(name) for name in POSTGRES_VARIABLES):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env_str("POSTGRES_NAME", "juke"),
            "USER": env_str("POSTGRES_USER", "postgres"),
            "PASSWORD": env_str("POSTGRES_PASSWORD"),
            "HOST": env_str("POSTGRES_HOST", "127.0.0.1"),
            "PORT": env_port("POSTGRES_PORT", 5432),
            "CONN_MAX_AGE": 60,
            # A persistent connection is checked before reuse, so a PostgreSQL restart costs no request.
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    Path(SQLITE_PATH).parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when CACHE_URL is set (needed once several processes serve the API), else in-process.
CACHE_URL = env_str("CACHE_URL")
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
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {},
    # Throttles key anonymous clients by IP. X-Forwarded-For is trusted only for this many proxies in front
    # of the API (0: use the socket address), so a client cannot dodge a rate limit by inventing the header.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0, minimum=0, maximum=10),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Juke API",
    "DESCRIPTION": "The Juke music platform: accounts, catalog, playback and recommendations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# E-mail: printed to the console in development, SMTP in staging/production, in-memory in tests.
EMAIL_HOST = env_str("EMAIL_HOST", "smtp.gmail.com")
EMAIL_PORT = env_port("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "no-reply@juke.local")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = EMAIL_HOST_USER
EMAIL_BACKEND = (
    "juke_auth.email_backends.ReadableConsoleEmailBackend"
    if IS_DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend"
)

# Production hardening; `manage.py check --deploy` passes with JUKE_RUNTIME_ENV=production.
if not IS_DEVELOPMENT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
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
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

from settings.auth import *  # noqa: E402,F403
from settings.engine import *  # noqa: E402,F403
from settings.spotify import *  # noqa: E402,F403
from settings.tasks import *  # noqa: E402,F403
