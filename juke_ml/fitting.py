"""Fitting the content model's two learned parts: the audio axes and the genre space (pure numpy, no Django)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from juke_ml.features import RAW_AUDIO_COLUMNS, RAW_AUDIO_DIM

MAX_GENRE_VOCABULARY = 3000
# Inside the audio block: the key and mode say less about similarity than energy or acousticness do.
DEFAULT_AUDIO_COLUMN_WEIGHTS: dict[str, float] = {"key_fifths_sin": 0.5, "key_fifths_cos": 0.5, "mode": 0.5}


def audio_fit(
    raw_rows: list[np.ndarray], audio_dim: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    column_weights = np.array([DEFAULT_AUDIO_COLUMN_WEIGHTS.get(column, 1.0) for column in RAW_AUDIO_COLUMNS])
    if not raw_rows:
        projection = np.eye(RAW_AUDIO_DIM)[:, :audio_dim]
        return np.zeros(RAW_AUDIO_DIM), np.ones(RAW_AUDIO_DIM), column_weights, projection, 0.0
    matrix = np.vstack(raw_rows)
    mean = np.nanmean(matrix, axis=0)
    std = np.nanstd(matrix, axis=0)
    mean = np.where(np.isnan(mean), 0.0, mean)
    std = np.where(np.isnan(std) | (std < 1e-6), 1.0, std)
    standardised = np.where(np.isnan(matrix), 0.0, (matrix - mean) / std) * column_weights
    covariance = np.cov(standardised, rowvar=False) if len(standardised) > 1 else np.eye(RAW_AUDIO_DIM)
    eigenvalues, eigenvectors = np.linalg.eigh(np.atleast_2d(covariance))
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    projection = eigenvectors[:, order][:, :audio_dim]
    # Deterministic signs, so retraining on the same data gives the same vectors.
    signs = np.sign(projection[np.argmax(np.abs(projection), axis=0), np.arange(audio_dim)])
    projection = projection * np.where(signs == 0, 1.0, signs)
    total = float(eigenvalues.sum())
    explained = float(eigenvalues[:audio_dim].sum() / total) if total > 0 else 0.0
    return mean, std, column_weights, projection, explained


def default_genre_rank(vocabulary_size: int, genre_dim: int) -> int:
    """How many latent genre axes to keep: a third of the vocabulary, at most the genre block's size.

    Keeping every axis would make each genre its own direction (nothing is "related"); a third keeps
    subgenres of one family close without merging them (on the shared corpus: 30 genres -> 10 axes).
    """
    return max(1, min(genre_dim, max(2, round(vocabulary_size / 3))))


def genre_space_fit(
    artist_genre_sets: list[list[str]], genre_dim: int, rank: int | None = None
) -> tuple[list[str], np.ndarray, float]:
    counts = Counter(genre for genres in artist_genre_sets for genre in genres)
    vocabulary = [genre for genre, _ in counts.most_common(MAX_GENRE_VOCABULARY)]
    vocabulary.sort()
    if not vocabulary:
        return [], np.zeros((0, genre_dim)), 0.0
    index = {genre: position for position, genre in enumerate(vocabulary)}
    size = len(vocabulary)
    cooccurrence = np.zeros((size, size), dtype=np.float64)
    for genres in artist_genre_sets:
        ids = sorted({index[genre] for genre in genres if genre in index})
        if ids:
            cooccurrence[np.ix_(ids, ids)] += 1.0  # the diagonal counts the genre itself
    total = cooccurrence.sum()
    row = cooccurrence.sum(axis=1)
    # Context distribution smoothing (alpha 0.75) keeps rare genres from dominating PMI.
    context = row**0.75
    context = context / context.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log((cooccurrence / total) / (np.outer(row / total, context)))
    ppmi = np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)
    u, s, _ = np.linalg.svd(ppmi, full_matrices=False)
    rank = min(rank or default_genre_rank(size, genre_dim), genre_dim, len(s))
    vectors = np.zeros((size, genre_dim))
    vectors[:, :rank] = u[:, :rank] * np.sqrt(s[:rank])
    energy = float((s**2).sum())
    explained = float((s[:rank] ** 2).sum() / energy) if energy > 0 else 0.0
    norms = np.linalg.norm(vectors, axis=1)
    keep = norms > 1e-9
    vectors = vectors[keep] / norms[keep, None]
    kept = [genre for genre, ok in zip(vocabulary, keep, strict=True) if ok]
    return kept, vectors, explained
