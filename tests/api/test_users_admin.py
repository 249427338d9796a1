"""Admin pages for accounts and music profiles load with search and filters."""

import pytest

from tests.factories_auth import MusicProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/juke_auth/jukeuser/?q=ada&is_active__exact=1",
        "/admin/juke_auth/musicprofile/?q=ada&onboarding_completed_at__isempty=1",
    ],
)
def test_admin_changelists_search_and_filter(client, url):
    admin = UserFactory(is_staff=True, is_superuser=True)
    MusicProfileFactory(user=UserFactory(username="ada"))
    client.force_login(admin)

    response = client.get(url)

    assert response.status_code == 200
    assert b"ada" in response.content


def test_admin_user_page_opens(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    assert client.get(f"/admin/juke_auth/jukeuser/{admin.pk}/change/").status_code == 200
