"""Playlist continuation on the shared Spotify catalog, with playlists as listening sessions (label-free).

    .venv/bin/python bench/taste_playlists.py [--csv ../shared/data/spotify_songs.csv] [--seed 0]

80% of the playlists (at least 10 tracks each) are the training users: each plays its tracks once. From each of
the other 20%, 5 random tracks are the seeds; every model ranks all tracks but the seeds, and we count the
playlist's other tracks in the top 50: recall@50 = hits / other tracks; hit rate@50 = hits / 50 (the older
bench's "playlist hit@50"). No genre, subgenre or playlist-name column is used by any model.

Variants (through the production functions):
- popularity: tracks by training playlists that hold them.
- content only (today's model, playlist columns out): juke_ml.model on audio features and popularity; the
  query is the mean direction of the seeds (juke_ml.query.build_query_vector), as POST /recommendations/ does.
- collaborative (ALS): item factors of tracks, albums and artists (track listens roll up, as in retrain);
  the seeds folded in against the raw factors.
- deployed hybrid: the vectors retrain stores (juke_ml.collaborative.space_fit) and the fold-in the service
  does for seed items (CollaborativeSpace.fold_in), ranked by cosine as the engine does.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.machine import machine_header  # noqa: E402
from bench.taste_quality import SHARED  # noqa: E402
from juke_ml.collaborative import (  # noqa: E402
    CollaborativeConfig,
    CollaborativeSpace,
    confidence_matrix,
    factors_fit,
    space_fit,
)
from juke_ml.model import fit_model  # noqa: E402
from juke_ml.query import build_query_vector  # noqa: E402

K = 50
SEEDS = 5
MIN_PLAYLIST = 10
LIKE_CONFIDENCE = 1.0 + CollaborativeConfig.alpha * np.log1p(5.0)  # a seed counts as a like (services.taste)


def load(path: Path):
    """Tracks (features, popularity, album, artist) and playlists (track positions), from the CSV."""
    tracks: dict[str, dict] = {}
    playlists: dict[str, set[str]] = defaultdict(set)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            tracks.setdefault(row["track_id"], row)
            playlists[row["playlist_id"]].add(row["track_id"])
    return tracks, {name: members for name, members in playlists.items() if len(members) >= MIN_PLAYLIST}


def recall_and_hits(ranked: np.ndarray, relevant: set[int]) -> tuple[float, float]:
    hits = sum(1 for item in ranked[:K] if item in relevant)
    return hits / len(relevant), hits / K


def top(scores: np.ndarray, exclude: list[int]) -> np.ndarray:
    scores = scores.copy()
    scores[exclude] = -np.inf
    best = np.argpartition(-scores, K)[:K]
    return best[np.argsort(-scores[best])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", type=Path, default=SHARED / "spotify_songs.csv")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.csv.exists():
        sys.exit(f"spotify_songs.csv not found at {args.csv}")
    print(machine_header())
    tracks, playlists = load(args.csv)
    track_ids = sorted(tracks)
    position = {track_id: n for n, track_id in enumerate(track_ids)}
    albums = sorted({tracks[t]["track_album_id"] for t in track_ids})
    artists = sorted({tracks[t]["track_artist"] for t in track_ids})
    album_column = {album: len(track_ids) + n for n, album in enumerate(albums)}
    artist_column = {artist: len(track_ids) + len(albums) + n for n, artist in enumerate(artists)}
    rng = np.random.default_rng(args.seed)
    names = sorted(playlists)
    held_out = set(rng.choice(len(names), len(names) // 5, replace=False).tolist())
    train = [names[n] for n in range(len(names)) if n not in held_out]
    test = [names[n] for n in sorted(held_out)]

    rows, columns = [], []
    for user, name in enumerate(train):
        for track_id in playlists[name]:
            row = tracks[track_id]
            for column in (position[track_id], album_column[row["track_album_id"]], artist_column[row["track_artist"]]):
                rows.append(user)
                columns.append(column)
    n_items = len(track_ids) + len(albums) + len(artists)
    config = CollaborativeConfig()
    matrix = confidence_matrix(
        users=rows, items=columns, weights=np.ones(len(rows)), shape=(len(train), n_items), alpha=config.alpha
    )
    started = time.perf_counter()
    factors = factors_fit(matrix, config)
    fit_seconds = time.perf_counter() - started

    # Content, playlist columns out: audio features and popularity only (what today's model has without labels).
    audio = [{"audio_features": tracks[t], "popularity": tracks[t]["track_popularity"]} for t in track_ids]
    model, _ = fit_model(tracks=audio, artist_genres={}, dimension=32, version="bench")
    track_content = np.vstack(
        [model.embed("track", {**attributes, "name": t})[0] for t, attributes in zip(track_ids, audio, strict=True)]
    )
    # Albums and artists: the mean of their tracks (as the content model aggregates).
    content = np.zeros((n_items, 32))
    content[: len(track_ids)] = track_content
    for track_id in track_ids:
        content[album_column[tracks[track_id]["track_album_id"]]] += track_content[position[track_id]]
        content[artist_column[tracks[track_id]["track_artist"]]] += track_content[position[track_id]]
    content /= np.maximum(np.linalg.norm(content, axis=1, keepdims=True), 1e-12)
    space, deployed = space_fit(content=content, factors=factors, config=config)
    parents = np.full((n_items, 2), -1, dtype=np.int64)
    for track_id in track_ids:
        row = tracks[track_id]
        parents[position[track_id]] = (album_column[row["track_album_id"]], artist_column[row["track_artist"]])
    parent_space, parent_deployed = space_fit(content=content, factors=factors, config=config, parents=parents)
    raw_space = CollaborativeSpace(
        mapping=space.mapping,
        scale=1.0,
        gram=factors.item_factors.T.astype(np.float64) @ factors.item_factors,
        regularization=config.regularization,
        shrinkage=config.shrinkage,
    )
    deployed_tracks = deployed[: len(track_ids)]
    popularity = factors.support[: len(track_ids)].astype(np.float64)

    results: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name in test:
        members = sorted(position[t] for t in playlists[name])
        seeds = sorted(rng.choice(members, SEEDS, replace=False).tolist())
        relevant = set(members) - set(seeds)
        ones = np.full(len(seeds), LIKE_CONFIDENCE)
        als_query = raw_space.fold_in(np.hstack([factors.item_factors[seeds], np.zeros((len(seeds), 1))]), ones)
        deployed_query = space.fold_in(deployed[seeds], ones)
        parent_query = parent_space.fold_in(parent_deployed[seeds], ones)
        ranked = {
            "popularity": top(popularity, seeds),
            "content only (today's model, playlist columns out)": top(
                track_content @ build_query_vector(seed_vectors=track_content[seeds]), seeds
            ),
            # A query of None: no seed was in any training playlist (nothing to fold in), so no ranking.
            "collaborative (ALS)": top(
                factors.item_factors[: len(track_ids)] @ als_query[:-1] if als_query is not None else popularity * 0,
                seeds,
            ),
            "hybrid, content fallback only": top(
                deployed_tracks @ deployed_query if deployed_query is not None else popularity * 0, seeds
            ),
            "deployed hybrid (tracks fall back to album and artist)": top(
                parent_deployed[: len(track_ids)] @ parent_query if parent_query is not None else popularity * 0,
                seeds,
            ),
        }
        for variant, items in ranked.items():
            results[variant].append(recall_and_hits(items, relevant))
    print(
        f"{len(track_ids)} tracks, {len(train)} training playlists, {len(test)} held out; "
        f"ALS fit {fit_seconds:.1f} s on {matrix.nnz} interactions"
    )
    base = np.mean([recall for recall, _ in results["content only (today's model, playlist columns out)"]])
    print(f"| variant | playlists | recall@{K} | hit rate@{K} | recall vs today's model |")
    print("|---|---|---|---|---|")
    for variant, values in results.items():
        recall = np.mean([r for r, _ in values])
        hits = np.mean([h for _, h in values])
        print(f"| {variant} | {len(values)} | {recall:.4f} | {hits:.4f} | {recall / base:.2f}x |")
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
