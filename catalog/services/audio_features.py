"""Ingest Spotify audio features for catalog tracks, where the Spotify account allows it.

Spotify deprecated GET /v1/audio-features for apps created after 2024-11-27: such apps get 403, which is
reported, not retried. The features come through the catalog's Spotify adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction

from catalog.models import Track, TrackAudioFeatures
from integrations.spotify.catalog import get_spotify_catalog_client
from integrations.spotify.errors import SpotifyAuthError

logger = logging.getLogger(__name__)

SPOTIFY_BATCH_SIZE = 100  # the most ids GET /v1/audio-features accepts in one call
FEATURE_FIELDS = TrackAudioFeatures.FEATURES
REQUIRED_FIELDS = TrackAudioFeatures.REQUIRED_FEATURES


class AudioFeaturesSource(Protocol):
    def get_audio_features(self, *, spotify_ids: list[str]) -> Sequence[Mapping[str, Any] | None]:
        """Audio features per id, in order (None for a track Spotify has none for)."""


@dataclass
class AudioFeaturesIngestResult:
    stored: list[int] = field(default_factory=list)  # track ids whose features were written
    missing: int = 0  # tracks Spotify has no features for
    status: str = "ok"  # ok | forbidden


def audio_features_ingest(
    *, track_ids: Iterable[int], source: AudioFeaturesSource | None = None
) -> AudioFeaturesIngestResult:
    """Fetch and upsert the audio features of the given tracks (calls Spotify, 100 ids per call).

    Returns status "forbidden" when Spotify refuses (403: the app may not use the deprecated endpoint).
    Transient Spotify errors propagate (the task retries them).
    """
    result = AudioFeaturesIngestResult()
    features_source: AudioFeaturesSource = source or get_spotify_catalog_client()
    tracks = dict(Track.objects.filter(id__in=list(track_ids)).values_list("spotify_id", "id"))
    spotify_ids = sorted(tracks)
    for start in range(0, len(spotify_ids), SPOTIFY_BATCH_SIZE):
        batch = spotify_ids[start : start + SPOTIFY_BATCH_SIZE]
        try:
            answers = features_source.get_audio_features(spotify_ids=batch)
        except SpotifyAuthError as error:
            result.status = "forbidden"
            logger.warning("Spotify refused audio features (%s); this app cannot use that endpoint.", error)
            return result
        with transaction.atomic():
            for spotify_id, features in zip(batch, answers, strict=False):
                if not features or any(features.get(name) is None for name in REQUIRED_FIELDS):
                    result.missing += 1
                    continue
                values = {name: features.get(name) for name in FEATURE_FIELDS}
                TrackAudioFeatures.objects.update_or_create(track_id=tracks[spotify_id], defaults=values)
                result.stored.append(tracks[spotify_id])
    return result
