"""juke_auth's data migrations on PostgreSQL, from the state before them: existing data stays valid
(issue 10.9: usernames equal but for case; issue 10.12: Spotify tokens stored in clear)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from social_django.models import UserSocialAuth

from juke_auth.services.spotify_credentials import spotify_credentials_read

BEFORE = [("juke_auth", "0002_musicprofile_listens_public")]
AFTER = [("juke_auth", "0004_encrypt_spotify_tokens")]


@pytest.fixture
def old_schema(transactional_db):
    """The apps as they were before juke_auth 0003; migrated forward again afterwards, whatever happens."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_forward():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)


def test_usernames_equal_but_for_case_are_renamed_except_the_oldest(old_schema):
    User = old_schema.get_model("juke_auth", "JukeUser")
    oldest = User.objects.create(username="UserA", password="!")
    second = User.objects.create(username="usera", password="!")
    third = User.objects.create(username="USERA", password="!")
    clash = User.objects.create(username=f"usera-{second.pk}", password="!")  # the obvious new name is taken
    cyrillic = User.objects.create(username="\u0430dmin", password="!")

    migrate_forward()

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, username FROM juke_auth_jukeuser ORDER BY id")
        names = dict(cursor.fetchall())
    assert names[oldest.pk] == "UserA"
    assert names[clash.pk] == f"usera-{second.pk}"
    assert names[cyrillic.pk] == "\u0430dmin"  # kept: its owner still signs in with it (ADR 0013)
    assert len({name.lower() for name in names.values()}) == len(names)
    assert names[second.pk].lower().startswith("usera-")
    assert names[third.pk].lower().startswith("usera-")


def test_spotify_tokens_stored_in_clear_are_encrypted(old_schema):
    User = old_schema.get_model("juke_auth", "JukeUser")
    user = User.objects.create(username="listener", password="!")
    UserSocialAuth.objects.create(  # social_django's table is not touched by rolling juke_auth back
        user_id=user.pk,
        provider="spotify",
        uid="sp1",
        extra_data={"access_token": "clear-access", "refresh_token": "clear-refresh", "expires": 3600},
    )

    migrate_forward()

    account = UserSocialAuth.objects.get(uid="sp1")
    assert account.extra_data["access_token"].startswith("fernet:")
    assert account.extra_data["refresh_token"].startswith("fernet:")
    assert account.extra_data["expires"] == 3600
    assert spotify_credentials_read(account=account)["refresh_token"] == "clear-refresh"
