"""`make run`'s seeding step: demo catalog, a trained model and a local admin, once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Artist, Track
from recommender.models import ModelArtifact, TrackEmbedding

pytestmark = pytest.mark.django_db


@pytest.fixture
def sqlite_path_in_tmp(settings, tmp_path):
    settings.SQLITE_PATH = str(tmp_path / "juke.sqlite3")
    return tmp_path


def test_seed_demo_loads_the_catalog_trains_a_model_and_creates_an_admin(sqlite_path_in_tmp):
    call_command("seed_demo")

    assert Track.objects.count() == 1654
    assert Artist.objects.exists()
    assert ModelArtifact.objects.filter(is_active=True).count() == 1
    assert TrackEmbedding.objects.count() == 1654
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    password = (sqlite_path_in_tmp / "admin-credentials.txt").read_text().split("password ")[1].strip()
    assert admin.check_password(password)


def test_seed_demo_run_again_changes_nothing(sqlite_path_in_tmp):
    call_command("seed_demo")
    model_version = ModelArtifact.objects.get(is_active=True).version
    credentials = (sqlite_path_in_tmp / "admin-credentials.txt").read_text()

    call_command("seed_demo")

    assert Track.objects.count() == 1654
    assert ModelArtifact.objects.get(is_active=True).version == model_version
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert (sqlite_path_in_tmp / "admin-credentials.txt").read_text() == credentials


def test_seed_demo_refuses_to_run_outside_development(settings):
    settings.IS_DEVELOPMENT = False

    with pytest.raises(CommandError, match="development"):
        call_command("seed_demo")
