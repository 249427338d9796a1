"""Factories and fixtures for catalog tests (one factory per catalog model, signed-in clients).

Test modules pull the fixtures in with `from tests.factories_catalog import *` (see __all__).
"""

import datetime as dt

import factory
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from catalog.models import Album, Artist, Genre, Track
from juke_auth.models import JukeUser

__all__ = ["admin_client", "client_signed_in", "empty_cache", "listener"]


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre

    name = factory.Sequence(lambda n: f"genre {n}")
    spotify_id = factory.LazyAttribute(lambda genre: f"genre-{genre.name}")


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Artist
        skip_postgeneration_save = True

    spotify_id = factory.Sequence(lambda n: f"artist{n:016d}abcdef")
    name = factory.Faker("name")
    popularity = 50
    followers = 1000
    spotify_data = factory.LazyAttribute(
        lambda artist: {"type": "artist", "uri": f"spotify:artist:{artist.spotify_id}"}
    )

    @factory.post_generation
    def genres(self, create, extracted, **kwargs):
        if create and extracted:
            self.genres.add(*extracted)


class AlbumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Album
        skip_postgeneration_save = True

    spotify_id = factory.Sequence(lambda n: f"album{n:017d}abcdef")
    name = factory.Faker("sentence", nb_words=3)
    total_tracks = 10
    release_date = dt.date(2020, 1, 1)

    @factory.post_generation
    def artists(self, create, extracted, **kwargs):
        if create and extracted:
            self.artists.add(*extracted)


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track
        skip_postgeneration_save = True

    spotify_id = factory.Sequence(lambda n: f"track{n:017d}abcdef")
    name = factory.Faker("sentence", nb_words=2)
    album = factory.SubFactory(AlbumFactory)
    duration_ms = 200_000

    @factory.post_generation
    def artists(self, create, extracted, **kwargs):
        if create and extracted:
            self.artists.add(*extracted)


@pytest.fixture
def listener(db) -> JukeUser:
    return JukeUser.objects.create_user(username="listener", email="listener@example.com", password="x-Juke-2026!")


@pytest.fixture
def client_signed_in(listener) -> APIClient:
    client = APIClient()
    client.force_authenticate(listener)
    return client


@pytest.fixture
def admin_client(db) -> APIClient:
    admin = JukeUser.objects.create_user(
        username="operator", email="operator@example.com", password="x-Juke-2026!", is_staff=True
    )
    client = APIClient()
    client.force_authenticate(admin)
    return client


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()
