"""Spotify token refresh under concurrency: one refresh per stale token, nothing lost (needs PostgreSQL)."""

import json
import threading
import time
import uuid

import pytest
import responses
from django.contrib.auth import get_user_model
from django.db import connection
from social_django.models import UserSocialAuth

from playback.services.spotify_account import spotify_access_token_get
from tests.conftest import require_service

TOKEN = "https://accounts.spotify.com/api/token"
CONCURRENT_REQUESTS = 5

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres_only(settings):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "row locks (select_for_update) need it; set POSTGRES_* to run this test")
    settings.SPOTIFY_USE_STUB_DATA = False


def linked_account(**extra) -> UserSocialAuth:
    user = get_user_model().objects.create_user(username=f"u{uuid.uuid4().hex[:10]}", password="pw-x9!kq")
    extra_data = {
        "access_token": "old-access",
        "refresh_token": "old-refresh",
        "expires": 3600,
        "auth_time": int(time.time()),
        "token_type": "Bearer",
        **extra,
    }
    return UserSocialAuth.objects.create(
        user=user, provider="spotify", uid=f"sp{uuid.uuid4().hex[:8]}", extra_data=extra_data
    )


def run_concurrently(target) -> tuple[list, list]:
    barrier = threading.Barrier(CONCURRENT_REQUESTS)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENT_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.fixture
def token_endpoint():
    """Spotify's token endpoint, slow enough for every request to arrive while the first refresh runs."""
    grants = []

    def answer(request):
        grants.append(request.body)
        time.sleep(0.3)
        number = len(grants)
        body = {"access_token": f"new-access-{number}", "expires_in": 3600, "refresh_token": f"rotated-{number}"}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock() as mock:
        mock.add_callback("POST", TOKEN, callback=answer)
        yield grants


def test_concurrent_requests_with_an_expiring_token_refresh_once(token_endpoint):
    account = linked_account(auth_time=int(time.time()) - 3590)

    results, errors = run_concurrently(
        lambda: spotify_access_token_get(account=UserSocialAuth.objects.get(pk=account.pk))
    )

    assert errors == []
    assert len(token_endpoint) == 1
    assert results == ["new-access-1"] * CONCURRENT_REQUESTS
    account.refresh_from_db()
    assert account.extra_data["access_token"] == "new-access-1"
    assert account.extra_data["refresh_token"] == "rotated-1"


def test_concurrent_401s_for_the_same_token_refresh_once(token_endpoint):
    account = linked_account()

    results, errors = run_concurrently(
        lambda: spotify_access_token_get(account=UserSocialAuth.objects.get(pk=account.pk), rejected_token="old-access")
    )

    assert errors == []
    assert len(token_endpoint) == 1
    assert set(results) == {"new-access-1"}
    account.refresh_from_db()
    assert account.extra_data["refresh_token"] == "rotated-1"


def test_a_refresh_without_rotation_keeps_the_stored_refresh_token():
    account = linked_account(auth_time=int(time.time()) - 7200)
    with responses.RequestsMock() as mock:
        mock.post(TOKEN, json={"access_token": "fresh", "expires_in": 1800})

        assert spotify_access_token_get(account=account) == "fresh"

    account.refresh_from_db()
    assert account.extra_data["refresh_token"] == "old-refresh"
    assert account.extra_data["expires"] == 1800
