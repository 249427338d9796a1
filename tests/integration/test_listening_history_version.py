"""Every change to a user's listens bumps their listen history version, which keys their cached taste."""

from datetime import UTC, datetime, timedelta

import pytest

from listening.models import Listen, ListenSource, recording_msid_for
from listening.services.history import listen_delete, listen_delete_by_msid, listens_delete_all
from listening.services.ingest import ListenInput, listens_ingest
from recommender.selectors import taste_state_get
from tests.factories_auth import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


def _listen(n: int) -> ListenInput:
    return ListenInput(listened_at=T0 + timedelta(minutes=4 * n), artist_name="Dool", track_name=f"Song {n}")


def _version(user) -> int:
    return taste_state_get(user_id=user.pk).listens


def _ingest(user, *numbers: int) -> int:
    return listens_ingest(user=user, listens=[_listen(n) for n in numbers], source=ListenSource.SCROBBLER).created


def test_a_user_whose_listens_never_changed_is_at_version_zero():
    assert _version(UserFactory()) == 0


def test_each_submission_with_new_listens_bumps_the_version_once_and_duplicates_alone_do_not():
    user = UserFactory()
    _ingest(user, 0, 1, 2)
    assert _version(user) == 1
    _ingest(user, 2, 3)
    assert _version(user) == 2
    assert _ingest(user, 0, 1) == 0
    assert _version(user) == 2


def test_deleting_one_by_id_one_by_msid_or_all_bumps_the_version():
    user = UserFactory()
    _ingest(user, 0, 1, 2, 3)
    first, second = Listen.objects.filter(user=user).order_by("listened_at")[:2]

    listen_delete(user=user, listen_id=first.id)
    assert _version(user) == 2
    listen_delete_by_msid(
        user=user, listened_at=second.listened_at, recording_msid=recording_msid_for(second.fingerprint)
    )
    assert _version(user) == 3
    listens_delete_all(user=user, confirm="all")
    assert _version(user) == 4
    assert not Listen.objects.filter(user=user).exists()


def test_one_users_changes_leave_anothers_version_alone():
    mine, theirs = UserFactory(), UserFactory()
    _ingest(theirs, 0)
    _ingest(mine, 0, 1)
    listens_delete_all(user=mine, confirm="all")

    assert (_version(mine), _version(theirs)) == (2, 1)


def test_deleting_listens_in_the_admin_bumps_their_owners_versions(client):
    admin, listener = UserFactory(is_staff=True, is_superuser=True), UserFactory()
    _ingest(listener, 0, 1)
    client.force_login(admin)
    ids = [str(pk) for pk in Listen.objects.filter(user=listener).values_list("id", flat=True)]

    response = client.post(
        "/admin/listening/listen/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )

    assert response.status_code == 302
    assert not Listen.objects.filter(user=listener).exists()
    assert _version(listener) == 2
