"""Start-up configuration: each setting read from the environment, and clear refusals for bad values."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from settings.production import refuse_degraded_production

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
        ({"JUKE_SPOTIFY_TOKEN_KEYS": "not-a-fernet-key"}, "JUKE_SPOTIFY_TOKEN_KEYS"),
        ({"BACKEND_PORT": "eighty"}, "BACKEND_PORT"),
        ({"POSTGRES_NAME": "juke", "POSTGRES_PORT": "5432x"}, "POSTGRES_PORT"),
        ({"SPOTIFY_USE_STUB_DATA": "maybe"}, "SPOTIFY_USE_STUB_DATA"),
        ({"CELERY_VISIBILITY_TIMEOUT": "soon"}, "CELERY_VISIBILITY_TIMEOUT"),
        ({"FRONTEND_URL": "juke.example"}, "FRONTEND_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"CATALOG_COUNT_CAP": "lots"}, "CATALOG_COUNT_CAP"),
        ({"CATALOG_ESTIMATED_COUNT_THRESHOLD": "-1"}, "CATALOG_ESTIMATED_COUNT_THRESHOLD"),
        ({"SPOTIFY_RETRY_BACKOFF_SECONDS": "soon"}, "SPOTIFY_RETRY_BACKOFF_SECONDS"),
        ({"RECOMMENDER_PORT": "70000"}, "RECOMMENDER_PORT"),
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
    "DJANGO_ALLOWED_HOSTS": "api.juke.example",
    "DATABASE_URL": "postgres://juke:secret@db.internal:5432/juke",
    "CACHE_URL": "redis://cache.internal:6379/1",
    "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
    "SOCIAL_AUTH_SPOTIFY_KEY": "key",
    "SOCIAL_AUTH_SPOTIFY_SECRET": "secret",
    "JUKE_SPOTIFY_TOKEN_KEYS": "vXMuEVe3cR2ynSTaX7fvPYAP8Op7tpzYUqA4Z9zDSP0=",
}


def test_production_is_not_debug_and_uses_smtp():
    values = settings_with_env(**PRODUCTION)

    assert values["debug"] is False
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["stub"] is False


@pytest.mark.parametrize(
    ("degraded", "named_variable"),
    [
        ({"SPOTIFY_USE_STUB_DATA": "true"}, "SPOTIFY_USE_STUB_DATA"),
        ({"BACKEND_URL": "http://api.juke.example"}, "BACKEND_URL"),
        ({"FRONTEND_URL": "http://juke.example"}, "FRONTEND_URL"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////srv/juke.sqlite3"}, "DATABASE_URL"),
        ({"CACHE_URL": ""}, "CACHE_URL"),
        ({"CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "api.juke.example,0.0.0.0"}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "api.juke.example,10.0.2.2"}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_degraded_and_names_the_variable(degraded, named_variable):
    result = run_with_env("import django; django.setup()", **{**PRODUCTION, **degraded})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert named_variable in last_line


def test_staging_may_still_try_the_stub_and_plain_http():
    values = settings_with_env(
        JUKE_RUNTIME_ENV="staging",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        BACKEND_URL="http://staging.juke.example",
        FRONTEND_URL="http://staging.juke.example",
        SPOTIFY_USE_STUB_DATA="true",
        JUKE_SPOTIFY_TOKEN_KEYS=PRODUCTION["JUKE_SPOTIFY_TOKEN_KEYS"],
    )

    assert values["stub"] is True


def test_outside_development_the_stub_is_never_chosen_silently():
    values = settings_with_env(**{**PRODUCTION, "SOCIAL_AUTH_SPOTIFY_KEY": "", "SOCIAL_AUTH_SPOTIFY_SECRET": ""})

    assert values["stub"] is False


def test_production_settings_pass_the_deploy_check():
    clean = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    clean.update(JUKE_ENV_FILE=os.devnull, **PRODUCTION)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def _switches_with_broker_and_credentials(code: str, **env: str) -> dict:
    """Run `code` with a broker and real Spotify credentials configured; return the JSON it printed last."""
    result = run_with_env(
        code,
        SQLITE_PATH=os.path.join(os.environ.get("TMPDIR", "/tmp"), "s.db"),
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        SOCIAL_AUTH_SPOTIFY_KEY="key",
        SOCIAL_AUTH_SPOTIFY_SECRET="secret",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_base_settings_do_not_change_when_the_test_runner_is_loaded():
    """Only settings/test.py may know it is a test run: production settings never look for pytest."""
    values = _switches_with_broker_and_credentials("import pytest; " + PRINT_SETTINGS)

    assert values["eager"] is False
    assert values["stub"] is False


def test_the_test_settings_stub_spotify_and_run_tasks_inline_whatever_the_environment():
    values = _switches_with_broker_and_credentials(PRINT_SETTINGS, DJANGO_SETTINGS_MODULE="settings.test")

    assert values["eager"] is True
    assert values["stub"] is True


def test_catalog_and_retry_tunables_are_django_settings_read_at_start_up():
    code = (
        "import django, os; from django.conf import settings; django.setup(); "
        "os.environ['CATALOG_COUNT_CAP'] = '999'; "
        "print(settings.CATALOG_COUNT_CAP, settings.CATALOG_ESTIMATED_COUNT_THRESHOLD, "
        "settings.SPOTIFY_RETRY_BACKOFF_SECONDS)"
    )
    result = run_with_env(
        code, CATALOG_COUNT_CAP="5", CATALOG_ESTIMATED_COUNT_THRESHOLD="10", SPOTIFY_RETRY_BACKOFF_SECONDS="0.25"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["5", "10", "0.25"]


def test_a_value_in_the_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / "juke.env"
    env_file.write_text("CATALOG_COUNT_CAP=7\nCATALOG_ESTIMATED_COUNT_THRESHOLD=70\n")
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.CATALOG_COUNT_CAP, settings.CATALOG_ESTIMATED_COUNT_THRESHOLD)"
    )
    result = run_with_env(code, JUKE_ENV_FILE=str(env_file), CATALOG_ESTIMATED_COUNT_THRESHOLD="80")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "80"]


def test_the_engine_url_follows_the_engine_port_with_the_template_env_file():
    code = (
        "import django; from django.conf import settings; django.setup(); print(settings.RECOMMENDER_ENGINE_BASE_URL)"
    )
    moved = run_with_env(code, JUKE_ENV_FILE=str(REPO_ROOT / "template.env"), RECOMMENDER_PORT="9123")
    pinned = run_with_env(
        code,
        JUKE_ENV_FILE=str(REPO_ROOT / "template.env"),
        RECOMMENDER_PORT="9123",
        RECOMMENDER_ENGINE_BASE_URL="http://engine.internal:9000/",
    )

    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip() == "http://127.0.0.1:9123"
    assert pinned.stdout.strip() == "http://engine.internal:9000"


def test_the_backend_url_follows_the_backend_port_with_the_template_env_file():
    code = "import django; from django.conf import settings; django.setup(); print(settings.BACKEND_URL)"
    result = run_with_env(code, JUKE_ENV_FILE=str(REPO_ROOT / "template.env"), BACKEND_PORT="8123")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8123"


def test_one_refusal_lists_every_degraded_setting_at_once():

    with pytest.raises(ImproperlyConfigured) as refusal:
        refuse_degraded_production(
            allowed_hosts=["localhost", "0.0.0.0", "10.0.2.2"],
            backend_url="http://127.0.0.1:8000",
            frontend_url="http://127.0.0.1:5173",
            database_engine="django.db.backends.sqlite3",
            cache_backend="django.core.cache.backends.locmem.LocMemCache",
            broker_url="memory://",
            spotify_stub=True,
        )

    message = str(refusal.value)
    for variable in (
        "SPOTIFY_USE_STUB_DATA",
        "BACKEND_URL",
        "FRONTEND_URL",
        "DATABASE_URL",
        "CACHE_URL",
        "CELERY_BROKER_URL",
        "DJANGO_ALLOWED_HOSTS",
    ):
        assert variable in message
    assert "0.0.0.0, 10.0.2.2" in message


def test_a_production_configuration_on_real_services_is_accepted():
    refuse_degraded_production(
        allowed_hosts=["api.juke.example"],
        backend_url="https://api.juke.example",
        frontend_url="https://juke.example",
        database_engine="django.db.backends.postgresql",
        cache_backend="django.core.cache.backends.redis.RedisCache",
        broker_url="redis://cache.internal:6379/0",
        spotify_stub=False,
    )
