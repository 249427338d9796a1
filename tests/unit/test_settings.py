"""Start-up configuration: each setting read from the environment, and clear refusals for bad values."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "x" * 20 + "production-secret-for-tests" + "y" * 20
PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], 'debug': settings.DEBUG, "
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'stub': settings.SPOTIFY_USE_STUB_DATA, "
    "'hosts': settings.ALLOWED_HOSTS, 'csrf': settings.CSRF_TRUSTED_ORIGINS, "
    "'visibility': settings.CELERY_BROKER_TRANSPORT_OPTIONS.get('visibility_timeout'), "
    "'db_name': settings.DATABASES['default']['NAME'], 'email': settings.EMAIL_BACKEND}))"
)


def run_with_env(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    clean.update({"DJANGO_SETTINGS_MODULE": "settings.base", "JUKE_ENV_FILE": os.devnull}, **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_with_env(**env: str) -> dict:
    result = run_with_env(PRINT_SETTINGS, SQLITE_PATH=os.path.join(os.environ.get("TMPDIR", "/tmp"), "s.db"), **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "named_variable"),
    [
        ({"JUKE_RUNTIME_ENV": "qa"}, "JUKE_RUNTIME_ENV"),
        ({"JUKE_RUNTIME_ENV": "production"}, "DJANGO_SECRET_KEY"),
        ({"JUKE_RUNTIME_ENV": "production", "DJANGO_SECRET_KEY": PRODUCTION_KEY}, "BACKEND_URL"),
        (
            {
                "JUKE_RUNTIME_ENV": "production",
                "DJANGO_SECRET_KEY": PRODUCTION_KEY,
                "BACKEND_URL": "https://api.example",
            },
            "FRONTEND_URL",
        ),
        ({"JUKE_RUNTIME_ENV": "staging", "DJANGO_SECRET_KEY": "dev-only-insecure-key-change-me"}, "DJANGO_SECRET_KEY"),
        (
            {
                "JUKE_RUNTIME_ENV": "production",
                "DJANGO_SECRET_KEY": PRODUCTION_KEY,
                "BACKEND_URL": "https://api.example",
                "FRONTEND_URL": "https://juke.example",
            },
            "JUKE_SPOTIFY_TOKEN_KEYS",
        ),
        ({"BACKEND_PORT": "eighty"}, "BACKEND_PORT"),
        ({"POSTGRES_NAME": "juke", "POSTGRES_PORT": "5432x"}, "POSTGRES_PORT"),
        ({"SPOTIFY_USE_STUB_DATA": "maybe"}, "SPOTIFY_USE_STUB_DATA"),
        ({"CELERY_VISIBILITY_TIMEOUT": "soon"}, "CELERY_VISIBILITY_TIMEOUT"),
        ({"FRONTEND_URL": "juke.example"}, "FRONTEND_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
    ],
)
def test_a_malformed_value_stops_start_up_with_a_message_naming_the_variable(env, named_variable):
    result = run_with_env("import django; django.setup()", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named_variable in result.stderr.strip().splitlines()[-1]


def test_with_nothing_configured_the_embedded_defaults_apply():
    values = settings_with_env()

    assert values["db"] == "django.db.backends.sqlite3"
    assert values["debug"] is True
    assert values["eager"] is True
    assert values["stub"] is True
    assert "10.0.2.2" in values["hosts"]
    assert values["email"].endswith("ReadableConsoleEmailBackend")


def test_postgres_variables_select_postgresql():
    values = settings_with_env(POSTGRES_NAME="juke_elsewhere", POSTGRES_HOST="127.0.0.1")

    assert values["db"] == "django.db.backends.postgresql"
    assert values["db_name"] == "juke_elsewhere"


def test_database_url_selects_postgresql():
    values = settings_with_env(DATABASE_URL="postgres://juke:secret@db.internal:5432/juke_url")

    assert values["db"] == "django.db.backends.postgresql"
    assert values["db_name"] == "juke_url"


def test_a_broker_turns_eager_execution_off_and_the_visibility_timeout_is_passed_to_the_transport():
    values = settings_with_env(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_VISIBILITY_TIMEOUT="120")

    assert values["eager"] is False
    assert values["visibility"] == 120


def test_eager_execution_can_be_forced_with_a_broker_configured():
    values = settings_with_env(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_TASK_ALWAYS_EAGER="yes")

    assert values["eager"] is True


def test_spotify_credentials_switch_the_stub_off_unless_asked_for():
    real = settings_with_env(SOCIAL_AUTH_SPOTIFY_KEY="key", SOCIAL_AUTH_SPOTIFY_SECRET="secret")
    forced = settings_with_env(
        SOCIAL_AUTH_SPOTIFY_KEY="key", SOCIAL_AUTH_SPOTIFY_SECRET="secret", SPOTIFY_USE_STUB_DATA="true"
    )

    assert real["stub"] is False
    assert forced["stub"] is True


def test_csrf_trusted_origins_follow_the_cors_origins():
    values = settings_with_env(CORS_ALLOWED_ORIGINS="https://a.example, https://b.example")

    assert values["csrf"] == ["https://a.example", "https://b.example"]


PRODUCTION = {
    "JUKE_RUNTIME_ENV": "production",
    "DJANGO_SECRET_KEY": PRODUCTION_KEY,
    "BACKEND_URL": "https://api.juke.example",
    "FRONTEND_URL": "https://juke.example",
    "JUKE_SPOTIFY_TOKEN_KEYS": "vXMuEVe3cR2ynSTaX7fvPYAP8Op7tpzYUqA4Z9zDSP0=",
}


def test_production_is_not_debug_and_uses_smtp():
    values = settings_with_env(**PRODUCTION)

    assert values["debug"] is False
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_never_falls_back_to_the_spotify_stub_silently():
    assert settings_with_env(**PRODUCTION)["stub"] is False
    assert settings_with_env(**PRODUCTION, SPOTIFY_USE_STUB_DATA="true")["stub"] is True


def test_production_settings_pass_the_deploy_check():
    clean = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    clean.update(
        JUKE_ENV_FILE=os.devnull,
        **PRODUCTION,
        DJANGO_ALLOWED_HOSTS="api.juke.example",
        SQLITE_PATH=os.path.join(os.environ.get("TMPDIR", "/tmp"), "deploy.db"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
