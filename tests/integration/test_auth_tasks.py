"""The accounts' beat task runs on a real worker (PostgreSQL + Redis)."""

import pytest
from knox.models import AuthToken

from tests.factories_auth import UserFactory, token_client

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_worker_purges_expired_tokens_on_the_beat_schedule_name(celery_worker):
    user = UserFactory()
    token_client(user)
    token_client(user)
    AuthToken.objects.filter(pk=AuthToken.objects.filter(user=user).earliest("created").pk).update(
        expiry="2000-01-01T00:00:00Z"
    )

    result = celery_worker.send("juke_auth.auth_tokens_purge_expired")

    assert result.get(timeout=60) == 1
    assert AuthToken.objects.filter(user=user).count() == 1
