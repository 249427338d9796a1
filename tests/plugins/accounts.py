"""Accounts fixtures shared by every test module (loaded by tests/conftest.py)."""

import pytest
from django.core import mail
from django.core.cache import cache

from juke_auth.models import JukeUser
from tests.factories_auth import UserFactory


@pytest.fixture
def fresh_cache():
    """Throttle counters and cached OAuth states live in the cache: start every test with an empty one."""
    cache.clear()
    mail.outbox = []
    yield
    cache.clear()


@pytest.fixture
def user(db) -> JukeUser:
    return UserFactory()


@pytest.fixture
def other_user(db) -> JukeUser:
    return UserFactory()
