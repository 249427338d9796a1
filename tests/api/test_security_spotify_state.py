"""OAuth CSRF through the cached state: a callback without the starter's session must not hand the starter's
account to whoever's browser finishes the flow, nor move someone's Spotify link to the starter.

The attack: Mallory, signed in, starts "Connect Spotify" and sends the authorize URL (with her state) to
Alice. If Alice already authorized Juke, Spotify redirects straight back. Before the fix, the callback in
Alice's browser signed Mallory in there and linked (or relinked) Alice's Spotify to Mallory, who could then
control Alice's player.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from rest_framework.test import APIClient
from social_django.models import UserSocialAuth

from spotify_stub.accounts import stub_user_id_for_code
from tests.factories_auth import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

START = "/api/v1/social-auth/login/spotify/"
COMPLETE = "/api/v1/social-auth/complete/spotify/"


def signed_in_start(client: APIClient, user) -> str:
    login = client.post(
        "/api/v1/auth/api-auth-token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200
    return parse_qs(urlsplit(client.get(START)["Location"]).query)["state"][0]


def test_a_callback_from_another_address_does_not_sign_in_the_starter_or_link_to_them():
    mallory = UserFactory(username="mallory")
    state = signed_in_start(APIClient(REMOTE_ADDR="203.0.113.5"), mallory)
    alice_browser = APIClient(REMOTE_ADDR="198.51.100.20")

    alice_browser.get(COMPLETE, {"code": "alice-code", "state": state})

    assert not UserSocialAuth.objects.filter(user=mallory).exists()
    me = alice_browser.get("/api/v1/users/me/")
    assert me.status_code != 200 or me.json()["username"] != "mallory"


def test_a_restored_state_never_moves_an_existing_spotify_link_to_the_starter():
    alice = UserFactory(username="alice")
    UserSocialAuth.objects.create(user=alice, provider="spotify", uid=stub_user_id_for_code("alice-code"))
    mallory = UserFactory(username="mallory")
    state = signed_in_start(APIClient(), mallory)  # same address (e.g. behind the same NAT)
    alice_browser = APIClient()

    alice_browser.get(COMPLETE, {"code": "alice-code", "state": state})

    assert UserSocialAuth.objects.get(provider="spotify").user == alice


def test_a_failed_restored_flow_leaves_the_finishing_browser_signed_out():
    alice = UserFactory(username="alice")
    UserSocialAuth.objects.create(user=alice, provider="spotify", uid=stub_user_id_for_code("alice-code"))
    state = signed_in_start(APIClient(), UserFactory(username="mallory"))
    alice_browser = APIClient()

    response = alice_browser.get(COMPLETE, {"code": "alice-code", "state": state})

    assert response["Location"].endswith("/login?error=spotify_auth_failed")
    assert alice_browser.get("/api/v1/users/me/").status_code in (401, 403)
