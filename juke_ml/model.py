"""The Juke music embedding model: audio features + a learned genre space + popularity, in one vector.

Pure numpy; no Django, no FastAPI. Django trains it (`manage.py retrain`) and stores `to_payload()` in
`recommender.ModelArtifact.payload`; the engine and the embedding tasks rebuild it with `from_payload()`.

Vector layout (dimension D, default 32), every vector L2-normalised, float32:

    [ audio block (A dims) | genre block (G dims) | popularity (1 dim) ]

- audio block: the twelve raw audio columns of `juke_ml.features` (nine continuous features, the key as
  sin/cos on the circle of fifths, the mode as +-1), standardised on the training corpus, weighted, and
  rotated onto their principal axes (A = 12 for D = 32; fewer axes, by PCA, for small D).
- genre block: genre vectors from a low-rank factorisation (PPMI + truncated SVD) of how genres co-occur on
  artists, so genres that share artists ("dance pop", "electropop", "post-teen pop") lie close. An item's
  genre part is the normalised mean of its genres' vectors.
- popularity: standardised popularity, a deliberately weak signal.

`embed(resource_type, attributes)` attributes (all keys optional; unknown keys are ignored):

- track:  {"audio_features": {danceability, energy, key, loudness, mode, speechiness, acousticness,
           instrumentalness, liveness, valence, tempo, ...}, "genres": [str], "popularity": 0-100, "name": str}
- album:  {"track_vectors": [[float]*D], "track_durations_ms": [int], "track_qualities": [float],
           "genres": [str], "popularity": 0-100, "name": str}
          -> the duration-weighted mean of its track vectors; from its genres when it has no track vectors.
- artist: {"album_vectors": [[float]*D], "album_qualities": [float], "track_vectors": [[float]*D]
           (used only without album vectors), "genres": [str], "popularity": 0-100, "name": str}
          -> the mean of its album vectors plus its genres' vector (weight `artist_genre_mix`).
- text:   {"tokens": [str]} and/or {"text": str} -> the genres named in the text (longest phrase first).

The returned quality score in [0, 1] says how much real signal the vector has: 1.0 audio + genres, 0.8 audio
only, 0.5 genres only, and 0.0 for a name-hash fallback (an item with no audio features and no known genre:
it still gets a deterministic vector, but it carries no musical meaning).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from juke_ml.collaborative import CollaborativeSpace
from juke_ml.features import (
    CONTINUOUS_FEATURES,
    RAW_AUDIO_COLUMNS,
    RAW_AUDIO_DIM,
    genre_list,
    genre_phrases,
    hashed_vector,
    l2_normalise,
    normalise_genre,
    popularity_value,
    raw_audio_vector,
)
from juke_ml.fitting import audio_fit, default_genre_rank, genre_space_fit

PAYLOAD_FORMAT = 1
RESOURCE_TYPES = ("artist", "album", "track", "text")

QUALITY_AUDIO_AND_GENRES = 1.0
QUALITY_AUDIO_ONLY = 0.8
QUALITY_GENRES_ONLY = 0.5
QUALITY_FALLBACK = 0.0

DEFAULT_WEIGHTS: dict[str, float] = {
    "audio": 1.0,  # the audio block's overall weight (its expected norm is about 1 before weighting)
    "genre": 1.0,  # the genre block's weight (a unit vector before weighting)
    "popularity": 0.15,  # weak
    "artist_genre_mix": 0.5,  # how much an artist's own genres add to the mean of its albums
}


def block_sizes(dimension: int) -> tuple[int, int]:
    """(audio dims, genre dims) for a total dimension; one dimension always goes to popularity."""
    if dimension < 4:
        raise ValueError("The embedding dimension must be at least 4.")
    audio_dim = min(RAW_AUDIO_DIM, max(1, round(dimension * 3 / 8)))
    genre_dim = dimension - audio_dim - 1
    return audio_dim, genre_dim


class MusicModel:
    """A fitted embedding model. Build it with `fit_model` or `MusicModel.from_payload`."""

    def __init__(
        self,
        *,
        version: str,
        dimension: int,
        audio_mean: np.ndarray,
        audio_std: np.ndarray,
        audio_column_weights: np.ndarray,
        audio_projection: np.ndarray,
        genres: Sequence[str],
        genre_vectors: np.ndarray,
        popularity_mean: float,
        popularity_std: float,
        weights: Mapping[str, float] | None = None,
        collaborative: CollaborativeSpace | None = None,
    ) -> None:
        self.version = str(version)
        # When set, embed() and genre_vector() answer in the deployed collaborative space (juke_ml.collaborative).
        self.collaborative = collaborative
        self.dimension = int(dimension)
        self.audio_dim, self.genre_dim = block_sizes(self.dimension)
        self.audio_mean = np.asarray(audio_mean, dtype=np.float64).reshape(RAW_AUDIO_DIM)
        self.audio_std = np.asarray(audio_std, dtype=np.float64).reshape(RAW_AUDIO_DIM)
        self.audio_column_weights = np.asarray(audio_column_weights, dtype=np.float64).reshape(RAW_AUDIO_DIM)
        self.audio_projection = np.asarray(audio_projection, dtype=np.float64).reshape(RAW_AUDIO_DIM, self.audio_dim)
        self.genres = [normalise_genre(genre) for genre in genres]
        self.genre_vectors = np.asarray(genre_vectors, dtype=np.float64).reshape(len(self.genres), self.genre_dim)
        self.popularity_mean = float(popularity_mean)
        self.popularity_std = float(popularity_std) or 1.0
        self.weights = {**DEFAULT_WEIGHTS, **(weights or {})}
        self._genre_index = {genre: index for index, genre in enumerate(self.genres)}
        self._longest_genre_words = max((len(genre.split()) for genre in self.genres), default=1)

    # ---- serialisation -------------------------------------------------------------------------------

    def to_payload(self) -> dict[str, Any]:
        """Everything needed to embed items, as JSON-serialisable data (stored in ModelArtifact.payload)."""
        return {
            "format": PAYLOAD_FORMAT,
            "version": self.version,
            "dimension": self.dimension,
            "audio_columns": list(RAW_AUDIO_COLUMNS),
            "audio_mean": self.audio_mean.tolist(),
            "audio_std": self.audio_std.tolist(),
            "audio_column_weights": self.audio_column_weights.tolist(),
            "audio_projection": self.audio_projection.tolist(),
            "genres": list(self.genres),
            "genre_vectors": np.round(self.genre_vectors, 7).tolist(),
            "popularity_mean": self.popularity_mean,
            "popularity_std": self.popularity_std,
            "weights": dict(self.weights),
            **({"collaborative": self.collaborative.to_payload()} if self.collaborative else {}),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> MusicModel:
        """Rebuild a model from `to_payload()` output."""
        if payload.get("format") != PAYLOAD_FORMAT:
            raise ValueError(f"Unsupported model payload format: {payload.get('format')!r}")
        if list(payload.get("audio_columns", RAW_AUDIO_COLUMNS)) != list(RAW_AUDIO_COLUMNS):
            raise ValueError("The model payload was trained on different audio columns.")
        dimension = int(payload["dimension"])
        _, genre_dim = block_sizes(dimension)
        genres = list(payload.get("genres", []))
        genre_vectors = np.asarray(payload.get("genre_vectors") or np.zeros((0, genre_dim)), dtype=np.float64)
        return cls(
            version=payload["version"],
            dimension=dimension,
            audio_mean=np.asarray(payload["audio_mean"]),
            audio_std=np.asarray(payload["audio_std"]),
            audio_column_weights=np.asarray(payload["audio_column_weights"]),
            audio_projection=np.asarray(payload["audio_projection"]),
            genres=genres,
            genre_vectors=genre_vectors.reshape(len(genres), genre_dim),
            popularity_mean=payload["popularity_mean"],
            popularity_std=payload["popularity_std"],
            weights=payload.get("weights"),
            collaborative=CollaborativeSpace.from_payload(payload["collaborative"])
            if payload.get("collaborative")
            else None,
        )

    # ---- building blocks -----------------------------------------------------------------------------

    def known_genres(self, genres: Iterable[str] | None) -> list[str]:
        """The given genres that the model knows, normalised."""
        return [genre for genre in genre_list(genres) if genre in self._genre_index]

    def _genre_block(self, genres: Iterable[str] | None) -> np.ndarray | None:
        indices = [self._genre_index[genre] for genre in self.known_genres(genres)]
        if not indices:
            return None
        block = self.genre_vectors[indices].mean(axis=0)
        norm = float(np.linalg.norm(block))
        return block / norm if norm > 1e-12 else None

    def _audio_block(self, audio_features: Mapping[str, Any] | None) -> np.ndarray | None:
        raw = raw_audio_vector(audio_features)
        if raw is None:
            return None
        standardised = (raw - self.audio_mean) / self.audio_std
        standardised = np.where(np.isnan(standardised), 0.0, standardised)
        standardised = np.clip(standardised, -5.0, 5.0) * self.audio_column_weights
        # Dividing by sqrt(columns) makes the block's expected norm about 1, comparable to the genre block.
        return (standardised @ self.audio_projection) / math.sqrt(RAW_AUDIO_DIM)

    def _popularity_value(self, popularity: Any) -> float:
        value = popularity_value(popularity)
        if value is None:
            return 0.0
        return float(np.clip((value - self.popularity_mean) / self.popularity_std, -3.0, 3.0) / 3.0)

    def _compose(self, *, audio: np.ndarray | None, genre: np.ndarray | None, popularity: float) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float64)
        if audio is not None:
            vector[: self.audio_dim] = self.weights["audio"] * audio
        if genre is not None:
            vector[self.audio_dim : self.audio_dim + self.genre_dim] = self.weights["genre"] * genre
        vector[-1] = self.weights["popularity"] * popularity
        return l2_normalise(vector)

    def _fallback(self, attributes: Mapping[str, Any], resource_type: str) -> tuple[np.ndarray, float]:
        name = str(attributes.get("name") or attributes.get("spotify_id") or attributes.get("text") or "")
        return hashed_vector(f"{resource_type}:{name}", self.dimension), QUALITY_FALLBACK

    def _coerce_vectors(self, vectors: Any) -> np.ndarray:
        if vectors is None or len(vectors) == 0:
            return np.zeros((0, self.dimension))
        matrix = np.asarray(vectors, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[1] != self.dimension:
            raise ValueError(f"Expected vectors of dimension {self.dimension}, got shape {matrix.shape}.")
        return matrix

    # ---- public API ----------------------------------------------------------------------------------

    def genre_vector(self, name: str) -> np.ndarray | None:
        """The full-dimension unit vector of one genre (case-insensitive), or None when the model doesn't know it.

        With a collaborative space it is a query there: where the content of that genre maps to.
        """
        block = self._genre_block([name])
        if block is None:
            return None
        vector = self._compose(audio=None, genre=block, popularity=0.0)
        if self.collaborative is None:
            return vector
        query = self.collaborative.query(self.collaborative.content_raw(vector)[0])
        return None if query is None else query.astype(np.float32)

    def embed(self, resource_type: str, attributes: Mapping[str, Any]) -> tuple[np.ndarray, float]:
        """An L2-normalised float32 vector for one item, and a quality score in [0, 1] (see the module doc).

        With a collaborative space: the content vector mapped into it (an item nobody has played yet);
        `retrain` blends it with the item's own factor for items people play.
        """
        vector, quality = self.embed_content(resource_type, attributes)
        if self.collaborative is None:
            return vector, quality
        raw = self.collaborative.content_raw(vector)
        if resource_type == "text":
            query = self.collaborative.query(raw[0])
            return (vector * 0 if query is None else query.astype(np.float32)), quality
        return self.collaborative.item_vectors(raw)[0], quality

    def embed_content(self, resource_type: str, attributes: Mapping[str, Any]) -> tuple[np.ndarray, float]:
        """The content-space vector (audio, genres, popularity) of one item and its quality score."""
        attributes = attributes or {}
        if resource_type == "track":
            return self._embed_track(attributes)
        if resource_type == "album":
            return self._embed_album(attributes)
        if resource_type == "artist":
            return self._embed_artist(attributes)
        if resource_type == "text":
            return self._embed_text(attributes)
        raise ValueError(f"Unsupported resource type: {resource_type}")

    def _embed_track(self, attributes: Mapping[str, Any]) -> tuple[np.ndarray, float]:
        audio = self._audio_block(attributes.get("audio_features"))
        genre = self._genre_block(attributes.get("genres"))
        if audio is None and genre is None:
            return self._fallback(attributes, "track")
        vector = self._compose(
            audio=audio, genre=genre, popularity=self._popularity_value(attributes.get("popularity"))
        )
        if audio is not None:
            return vector, QUALITY_AUDIO_AND_GENRES if genre is not None else QUALITY_AUDIO_ONLY
        return vector, QUALITY_GENRES_ONLY

    def _genres_only(self, attributes: Mapping[str, Any], resource_type: str) -> tuple[np.ndarray, float]:
        genre = self._genre_block(attributes.get("genres"))
        if genre is None:
            return self._fallback(attributes, resource_type)
        vector = self._compose(audio=None, genre=genre, popularity=self._popularity_value(attributes.get("popularity")))
        return vector, QUALITY_GENRES_ONLY

    def _embed_album(self, attributes: Mapping[str, Any]) -> tuple[np.ndarray, float]:
        vectors = self._coerce_vectors(attributes.get("track_vectors"))
        if len(vectors) == 0:
            return self._genres_only(attributes, "album")
        durations = np.asarray(attributes.get("track_durations_ms") or [0] * len(vectors), dtype=np.float64)
        durations = np.where(np.isfinite(durations) & (durations > 0), durations, 0.0)
        if len(durations) != len(vectors) or durations.sum() <= 0:
            durations = np.ones(len(vectors))  # unknown durations: a plain mean
        qualities = np.asarray(attributes.get("track_qualities") or [1.0] * len(vectors), dtype=np.float64)
        if len(qualities) != len(vectors):
            qualities = np.ones(len(vectors))
        weights = durations / durations.sum()
        vector = l2_normalise(weights @ vectors)
        if not np.any(vector):
            return self._genres_only(attributes, "album")
        return vector, float(np.clip(weights @ qualities, 0.0, 1.0))

    def _embed_artist(self, attributes: Mapping[str, Any]) -> tuple[np.ndarray, float]:
        vectors = self._coerce_vectors(attributes.get("album_vectors"))
        qualities_key = "album_qualities"
        if len(vectors) == 0:
            vectors = self._coerce_vectors(attributes.get("track_vectors"))
            qualities_key = "track_qualities"
        genre = self._genre_block(attributes.get("genres"))
        if len(vectors) == 0:
            return self._genres_only(attributes, "artist")
        qualities = np.asarray(attributes.get(qualities_key) or [1.0] * len(vectors), dtype=np.float64)
        quality = float(np.clip(qualities.mean(), 0.0, 1.0)) if len(qualities) == len(vectors) else 1.0
        combined = l2_normalise(vectors.mean(axis=0)).astype(np.float64)
        if genre is not None:
            combined = combined + self.weights["artist_genre_mix"] * self._compose(
                audio=None, genre=genre, popularity=0.0
            )
            quality = max(quality, QUALITY_GENRES_ONLY)
        vector = l2_normalise(combined)
        if not np.any(vector):
            return self._genres_only(attributes, "artist")
        return vector, quality

    def _embed_text(self, attributes: Mapping[str, Any]) -> tuple[np.ndarray, float]:
        pieces = [str(token) for token in attributes.get("tokens") or []]
        if attributes.get("text"):
            pieces.append(str(attributes["text"]))
        matched, words_matched, words_total = genre_phrases(pieces, self._genre_index, self._longest_genre_words)
        if not matched:
            return self._fallback({"name": " ".join(pieces)}, "text")
        vector = self._compose(audio=None, genre=self._genre_block(matched), popularity=0.0)
        return vector, QUALITY_GENRES_ONLY * words_matched / max(words_total, 1)


def _corpus_columns(tracks: Iterable[Mapping[str, Any]]) -> tuple[list[np.ndarray], list[float], int]:
    """The tracks' raw audio vectors (those that have some), their popularities, and how many tracks there were."""
    raw_rows: list[np.ndarray] = []
    popularities: list[float] = []
    track_count = 0
    for track in tracks:
        track_count += 1
        raw = raw_audio_vector(track.get("audio_features"))
        if raw is not None:
            raw_rows.append(raw)
        popularity = popularity_value(track.get("popularity"))
        if popularity is not None:
            popularities.append(popularity)
    return raw_rows, popularities, track_count


def fit_model(
    *,
    tracks: Iterable[Mapping[str, Any]],
    artist_genres: Mapping[Any, Sequence[str]] | Iterable[Sequence[str]],
    dimension: int = 32,
    version: str,
    weights: Mapping[str, float] | None = None,
    genre_rank: int | None = None,
) -> tuple[MusicModel, dict[str, Any]]:
    """Fit the model on a corpus; returns it and its metrics.

    `tracks`: mappings with "audio_features" (a dict of Spotify audio features, or None) and "popularity";
    only used for the audio scalers/axes and the popularity scale. `artist_genres`: each artist's genre list
    (a mapping artist -> genres, or just the lists); genres that co-occur on artists end up close.
    """
    audio_dim, genre_dim = block_sizes(dimension)
    raw_rows, popularities, track_count = _corpus_columns(tracks)
    genre_sets_source = artist_genres.values() if isinstance(artist_genres, Mapping) else artist_genres
    genre_sets = [genre_list(genres) for genres in genre_sets_source]

    mean, std, column_weights, projection, audio_explained = audio_fit(raw_rows, audio_dim)
    genres, genre_vectors, genre_explained = genre_space_fit(genre_sets, genre_dim, genre_rank)
    popularity_mean = float(np.mean(popularities)) if popularities else 0.5
    popularity_std = float(np.std(popularities)) if len(popularities) > 1 else 1.0
    model = MusicModel(
        version=version,
        dimension=dimension,
        audio_mean=mean,
        audio_std=std,
        audio_column_weights=column_weights,
        audio_projection=projection,
        genres=genres,
        genre_vectors=genre_vectors,
        popularity_mean=popularity_mean,
        popularity_std=popularity_std if popularity_std > 1e-6 else 1.0,
        weights=weights,
    )
    metrics = {
        "tracks": track_count,
        "tracks_with_audio_features": len(raw_rows),
        "artists": len(genre_sets),
        "artists_with_genres": sum(1 for genres in genre_sets if genres),
        "genres": len(genres),
        "dimension": dimension,
        "audio_dimensions": audio_dim,
        "genre_dimensions": genre_dim,
        "genre_rank": default_genre_rank(len(genres), genre_dim) if genre_rank is None else genre_rank,
        "audio_explained_variance": round(audio_explained, 4),
        "genre_explained_variance": round(genre_explained, 4),
        "audio_features": [*list(CONTINUOUS_FEATURES), "key", "mode"],
    }
    return model, metrics
