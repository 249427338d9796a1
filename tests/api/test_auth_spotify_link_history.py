"""Linking Spotify imports the listener's history at once: the import waits for the link's tokens to commit."""

from urllib.parse import parse_qs, urlsplit

import pytest

from listening.models import Listen, ListenSource, SpotifyHistorySync
from tests.factories_auth import PASSWORD, UserFactory

# The import runs on commit of the new link: the test's writes must really commit.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture(autouse=True)
def import_on_link(settings):
    settings.LISTENING_IMPORT_ON_SPOTIFY_LINK = True


def assert_history_imported(user) -> None:
    sync = SpotifyHistorySync.objects.get(user=user)
    assert sync.last_error == ""
    assert sync.initial_import_at is not None
    assert Listen.objects.filter(user=user, source=ListenSource.SPOTIFY).exists()


def test_linking_spotify_in_the_browser_imports_the_history(api_client):
    user = UserFactory()
    api_client.post("/api/v1/auth/api-auth-token/", {"username": user.username, "password": PASSWORD}, format="json")
    authorize = urlsplit(api_client.get("/api/v1/social-auth/login/spotify/")["Location"])
    query = {name: values[0] for name, values in parse_qs(authorize.query).items()}

    approved = api_client.get(authorize.path, {**query, "listener": "history-listener"})
    completed = api_client.get(urlsplit(approved["Location"]).path, parse_qs(urlsplit(approved["Location"]).query))

    assert completed.status_code == 302
    assert "error" not in completed["Location"]
    assert_history_imported(user)


def test_signing_in_with_a_spotify_token_imports_the_history(api_client):
    response = api_client.post("/api/v1/auth/social-login/", {"access_token": "phone-with-history"}, format="json")

    assert response.status_code == 200
    assert_history_imported(SpotifyHistorySync.objects.get().user)
