"""The `engine_server` fixture: a real engine process reads what the Django test database holds."""

import httpx
import numpy as np
import pytest
from django.conf import settings

from catalog.models import Artist
from recommender.models import ArtistEmbedding
from tests.plugins.engine_server import refresh_engine

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _embed(artist: Artist, vector) -> None:
    vector = np.asarray(vector, dtype="<f4")
    ArtistEmbedding.objects.create(
        artist=artist, vector=(vector / np.linalg.norm(vector)).tobytes(), model_version="fixture-v1"
    )


def test_engine_server_serves_rows_committed_by_django(engine_server):
    seed = Artist.objects.create(spotify_id="seed000000000000000001", name="Seed Artist")
    close = Artist.objects.create(spotify_id="close00000000000000001", name="Close Artist")
    far = Artist.objects.create(spotify_id="far0000000000000000001", name="Far Artist")
    _embed(seed, [1, 0, 0, 0])
    _embed(close, [1, 0.1, 0, 0])
    _embed(far, [0, 0, 1, 0])

    health = refresh_engine(engine_server)
    body = httpx.post(f"{engine_server}/recommend", json={"artists": ["seed artist"]}, timeout=10).json()

    assert engine_server == settings.RECOMMENDER_ENGINE_BASE_URL
    assert health["indexed"]["artists"] == 3
    assert [artist["name"] for artist in body["artists"]] == ["Close Artist", "Far Artist"]
    assert body["artists"][0]["extra"]["spotify_id"] == "close00000000000000001"
