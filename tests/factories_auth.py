"""Factories and fixtures for accounts tests (users, music profiles, signed-in clients, e-mailed links).

The fixtures built on them (fresh_cache, user, other_user) live in tests/plugins/accounts.py, loaded by conftest.py.
"""

import re
from urllib.parse import parse_qs, urlsplit

import factory
from rest_framework.test import APIClient

from juke_auth.models import JukeUser, MusicProfile
from juke_auth.services.tokens import auth_token_issue

PASSWORD = "listen-to-Juke-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JukeUser

    username = factory.Sequence(lambda n: f"listener{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_active = True
    password = factory.django.Password(PASSWORD)


class MusicProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MusicProfile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")
    tagline = factory.Faker("sentence", nb_words=5)
    favorite_genres = factory.LazyFunction(lambda: ["jazz", "soul"])


def token_client(user: JukeUser) -> tuple[APIClient, str]:
    """An API client authenticated with a fresh auth token of `user`, and that token."""
    key = auth_token_issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def verification_params(message) -> dict[str, str]:
    """user_id, timestamp and signature from the link in a verification (or reset) e-mail."""
    link = re.search(r"https?://\S+", message.body).group(0)
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def register(client: APIClient, username: str = "newlistener", email: str = "new@example.com", **extra):
    body = {"username": username, "email": email, "password": PASSWORD, "password_confirm": PASSWORD, **extra}
    return client.post("/api/v1/auth/accounts/register/", body, format="json")
