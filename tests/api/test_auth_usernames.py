"""Usernames are unique whatever the letter case, and ASCII only, so no look-alike of another user's name
can be registered (issue 10.9, ADR 0013)."""

import pytest
import responses
from django.db import IntegrityError, transaction

from juke_auth.models import JukeUser
from tests.factories_auth import UserFactory, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

TAKEN = ["A user with that username already exists."]


@pytest.mark.parametrize("username", ["USERA", "usera", "uSeRa"])
def test_a_username_differing_only_in_case_is_refused(api_client, username):
    UserFactory(username="UserA")

    response = register(api_client, username=username, email="second@example.com")

    assert response.status_code == 400
    assert response.json()["username"] == TAKEN
    assert JukeUser.objects.count() == 1


@pytest.mark.parametrize(
    "username",
    [
        "\u0430dmin",  # Cyrillic a
        "adm\u0456n",  # Cyrillic i
        "\uff41dmin",  # fullwidth a (NFKC makes it "admin")
        "admin\u200b",  # zero-width space
    ],
)
def test_a_look_alike_of_an_ascii_username_is_refused(api_client, username):
    UserFactory(username="admin")

    response = register(api_client, username=username, email="second@example.com")

    assert response.status_code == 400
    assert "username" in response.json()
    assert JukeUser.objects.count() == 1


def test_the_database_refuses_a_case_duplicate_written_around_the_service(db):
    UserFactory(username="UserA")

    with pytest.raises(IntegrityError), transaction.atomic():
        JukeUser.objects.create(username="usera", email="x@example.com")


def test_spotify_sign_in_gives_a_case_insensitively_free_ascii_username(api_client, settings):
    UserFactory(username="Jose")
    settings.SPOTIFY_USE_STUB_DATA = False
    with responses.RequestsMock() as spotify:
        spotify.add(
            responses.GET, "https://api.spotify.com/v1/me", json={"id": "jos\u00e9", "display_name": "Jos\u00e9"}
        )

        response = api_client.post("/api/v1/auth/social-login/", {"access_token": "t"}, format="json")

    assert response.status_code == 200
    username = response.json()["username"]
    assert username.isascii()
    assert username.lower() != "jose"
    assert username.lower().startswith("jose-")
