"""Turn raw catalog attributes (Spotify audio features, genres, popularity) into numeric arrays.

Pure numpy; no Django. The model (juke_ml.model) standardises what this module produces.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

# Spotify's audio features that carry musical signal, in the order of the raw feature vector.
# (duration_ms and time_signature are left out: they say little about what a track sounds like.)
CONTINUOUS_FEATURES: tuple[str, ...] = (
    "danceability",
    "energy",
    "loudness",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
)
# Heavily skewed features in [0, 1]: a square root spreads the crowded low end before standardising.
SKEWED_FEATURES: frozenset[str] = frozenset({"speechiness", "acousticness", "instrumentalness", "liveness"})
AUDIO_FEATURE_NAMES: tuple[str, ...] = (*CONTINUOUS_FEATURES, "key", "mode")
RAW_AUDIO_COLUMNS: tuple[str, ...] = (*CONTINUOUS_FEATURES, "key_fifths_sin", "key_fifths_cos", "mode")
RAW_AUDIO_DIM = len(RAW_AUDIO_COLUMNS)


def normalise_genre(name: str) -> str:
    """Case- and space-insensitive form of a genre name ("  Dance  Pop " -> "dance pop")."""
    return " ".join(str(name).lower().split())


def key_on_circle_of_fifths(key: int | float | None) -> tuple[float, float]:
    """Pitch class (0=C ... 11=B) as a point on the circle of fifths; (0, 0) when unknown (-1 or missing).

    On the circle of fifths, keys a fifth apart (C and G) are neighbours, as they sound related.
    """
    if key is None:
        return 0.0, 0.0
    try:
        pitch = int(key)
    except (TypeError, ValueError):
        return 0.0, 0.0
    if pitch < 0 or pitch > 11:
        return 0.0, 0.0
    position = (pitch * 7) % 12  # steps around the circle of fifths
    angle = 2.0 * math.pi * position / 12.0
    return math.sin(angle), math.cos(angle)


def _as_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def raw_audio_vector(audio_features: Mapping[str, Any] | None) -> np.ndarray | None:
    """The unstandardised audio vector (RAW_AUDIO_COLUMNS) of one track, or None without usable features.

    Missing continuous values become NaN (the model fills them with the corpus mean); at least half of the
    continuous features must be present.
    """
    if not audio_features:
        return None
    values = np.full(RAW_AUDIO_DIM, np.nan, dtype=np.float64)
    present = 0
    for index, name in enumerate(CONTINUOUS_FEATURES):
        number = _as_float(audio_features.get(name))
        if number is None:
            continue
        if name in SKEWED_FEATURES:
            number = math.sqrt(min(max(number, 0.0), 1.0))
        values[index] = number
        present += 1
    if present * 2 < len(CONTINUOUS_FEATURES):
        return None
    sin, cos = key_on_circle_of_fifths(_as_float(audio_features.get("key")))
    values[len(CONTINUOUS_FEATURES)] = sin
    values[len(CONTINUOUS_FEATURES) + 1] = cos
    mode = _as_float(audio_features.get("mode"))
    # Major = +1, minor = -1, unknown = 0 (neutral).
    values[len(CONTINUOUS_FEATURES) + 2] = 0.0 if mode is None else (1.0 if mode >= 0.5 else -1.0)
    return values


def genre_list(genres: Iterable[str] | None) -> list[str]:
    """Normalised, de-duplicated genre names, first occurrence order."""
    seen: dict[str, None] = {}
    for genre in genres or ():
        name = normalise_genre(genre)
        if name:
            seen.setdefault(name, None)
    return list(seen)


def popularity_value(popularity: Any) -> float | None:
    """Popularity 0-100 as a number in [0, 1], or None when unknown."""
    number = _as_float(popularity)
    if number is None:
        return None
    return min(max(number, 0.0), 100.0) / 100.0


def genre_phrases(
    pieces: Iterable[str], vocabulary: Mapping[str, int], longest_words: int
) -> tuple[list[str], int, int]:
    """Known genres named in free text, longest phrase first: (genres, words matched, words in all)."""
    matched: list[str] = []
    words_total = 0
    words_matched = 0
    for piece in pieces:
        words = normalise_genre(piece).split()
        words_total += len(words)
        position = 0
        while position < len(words):
            for length in range(min(longest_words, len(words) - position), 0, -1):
                phrase = " ".join(words[position : position + length])
                if phrase in vocabulary:
                    matched.append(phrase)
                    words_matched += length
                    position += length
                    break
            else:
                position += 1
    return matched, words_matched, words_total


def l2_normalise(vector: np.ndarray) -> np.ndarray:
    """`vector / ||vector||` as float32 (a zero vector stays zero)."""
    vector = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(vector))
    if norm <= 1e-12:
        return vector.astype(np.float32)
    return (vector / norm).astype(np.float32)


def hashed_vector(text: str, dimension: int) -> np.ndarray:
    """A deterministic unit vector from a string (SHA-1 based); used only when there is no musical signal."""
    seed = int.from_bytes(
        hashlib.sha1(text.strip().lower().encode("utf-8"), usedforsecurity=False).digest()[:8], "little"
    )
    rng = np.random.default_rng(seed)
    return l2_normalise(rng.standard_normal(dimension))
