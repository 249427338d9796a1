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
- deployed hybrid: the vectors retrain stores (juke_ml.collaborative.space_fit with each track's album and
  artist as parents) and the query the service builds from seed items (CollaborativeSpace.items_query, which
  recommendations.py and taste.py call as `fold_in`), ranked by cosine as the engine does; with today's
  CollaborativeConfig() and, side by side, the previous one (shrinkage 5, item norms kept, ALS fold-in).
- what was tried (--grid): the query (fold-in, mean direction, best seed), the norm exponent, the shrinkage,
  ALS alpha and factors; and, for scale, "same artist as a seed" (label-free, not deployable as one vector).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from dataclasses import replace
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


PREVIOUS = {"shrinkage": 5.0, "norm_exponent": 1.0, "query": "fold_in"}  # before the playlist work (ADR 0009)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", type=Path, default=SHARED / "spotify_songs.csv")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--norm-exponent", type=float, default=CollaborativeConfig.norm_exponent)
    parser.add_argument("--grid", action="store_true", help="also every variant tried (about 2 more minutes)")
    return parser.parse_args()


class Catalog:
    """The CSV as item columns (tracks, then albums, then artists), the train/test split and the seeds."""

    def __init__(self, path: Path, seed: int) -> None:
        tracks, playlists = load(path)
        self.track_ids = sorted(tracks)
        position = {track_id: n for n, track_id in enumerate(self.track_ids)}
        albums = sorted({tracks[t]["track_album_id"] for t in self.track_ids})
        artists = sorted({tracks[t]["track_artist"] for t in self.track_ids})
        album_column = {album: len(self.track_ids) + n for n, album in enumerate(albums)}
        artist_column = {artist: len(self.track_ids) + len(albums) + n for n, artist in enumerate(artists)}
        self.n_tracks = len(self.track_ids)
        self.n_items = self.n_tracks + len(albums) + len(artists)
        self.parents = np.full((self.n_items, 2), -1, dtype=np.int64)
        for track_id in self.track_ids:
            row = tracks[track_id]
            self.parents[position[track_id]] = (album_column[row["track_album_id"]], artist_column[row["track_artist"]])
        rng = np.random.default_rng(seed)
        names = sorted(playlists)
        held_out = set(rng.choice(len(names), len(names) // 5, replace=False).tolist())
        train = [names[n] for n in range(len(names)) if n not in held_out]
        self.n_train = len(train)
        self.cells = [
            (user, column)
            for user, name in enumerate(train)
            for track_id in playlists[name]
            for column in (position[track_id], *self.parents[position[track_id]])
        ]
        self.queries = []
        for name in (names[n] for n in sorted(held_out)):
            members = sorted(position[t] for t in playlists[name])
            seeds = sorted(rng.choice(members, SEEDS, replace=False).tolist())
            self.queries.append((seeds, set(members) - set(seeds)))
        self.audio = [
            {"audio_features": tracks[t], "popularity": tracks[t]["track_popularity"]} for t in self.track_ids
        ]

    def matrix(self, alpha: float):
        rows, columns = zip(*self.cells, strict=True)
        return confidence_matrix(
            users=rows, items=columns, weights=np.ones(len(rows)), shape=(self.n_train, self.n_items), alpha=alpha
        )

    def content(self) -> tuple[np.ndarray, np.ndarray]:
        """Content vectors, playlist columns out: audio features and popularity (tracks), means (albums, artists)."""
        model, _ = fit_model(tracks=self.audio, artist_genres={}, dimension=32, version="bench")
        track_content = np.vstack(
            [
                model.embed("track", {**attributes, "name": t})[0]
                for t, attributes in zip(self.track_ids, self.audio, strict=True)
            ]
        )
        content = np.zeros((self.n_items, 32))
        content[: self.n_tracks] = track_content
        for track in range(self.n_tracks):
            for parent in self.parents[track]:
                content[parent] += track_content[track]
        content /= np.maximum(np.linalg.norm(content, axis=1, keepdims=True), 1e-12)
        return track_content, content


def evaluate(catalog: Catalog, scorer) -> tuple[float, float]:
    """Mean recall@K and hit rate@K over the held-out playlists; scorer(seeds) -> a score per track."""
    values = [
        recall_and_hits(top(np.asarray(scorer(seeds), dtype=np.float64), seeds), rel) for seeds, rel in catalog.queries
    ]
    return float(np.mean([r for r, _ in values])), float(np.mean([h for _, h in values]))


def deployed_scorer(catalog: Catalog, content: np.ndarray, factors, config: CollaborativeConfig, best_seed=False):
    """Rank tracks as the engine does: stored vectors (space_fit) . the service's query (items_query)."""
    space, deployed = space_fit(content=content, factors=factors, config=config, parents=catalog.parents)
    tracks = deployed[: catalog.n_tracks]
    confidence = np.full(SEEDS, 1.0 + config.alpha * np.log1p(5.0))  # a seed counts as a like (services.taste)

    def scorer(seeds: list[int]) -> np.ndarray:
        if best_seed:  # each track's best score against one seed alone (the engine averages one query today)
            queries = [space.items_query(deployed[[seed]], confidence[:1]) for seed in seeds]
            return np.max([tracks @ q for q in queries if q is not None] or [np.zeros(catalog.n_tracks)], axis=0)
        query = space.items_query(deployed[seeds], confidence)
        return tracks @ query if query is not None else np.zeros(catalog.n_tracks)

    return scorer


def baselines(catalog: Catalog, track_content: np.ndarray, factors) -> dict[str, tuple[float, float]]:
    popularity = factors.support[: catalog.n_tracks].astype(np.float64)
    artist = catalog.parents[: catalog.n_tracks, 1]
    raw = CollaborativeSpace(
        mapping=np.zeros((32, factors.item_factors.shape[1])),
        scale=1.0,
        gram=factors.item_factors.T.astype(np.float64) @ factors.item_factors,
        regularization=CollaborativeConfig.regularization,
        shrinkage=1.0,
    )
    item_factors = factors.item_factors[: catalog.n_tracks]
    ones = np.full(SEEDS, LIKE_CONFIDENCE)

    def als(seeds: list[int]) -> np.ndarray:
        query = raw.items_query(np.hstack([factors.item_factors[seeds], np.zeros((SEEDS, 1))]), ones)
        return item_factors @ query[:-1] if query is not None else popularity * 0

    return {
        "popularity": evaluate(catalog, lambda seeds: popularity),
        "content only (today's model, playlist columns out)": evaluate(
            catalog, lambda seeds: track_content @ build_query_vector(seed_vectors=track_content[seeds])
        ),
        "collaborative (ALS, seeds folded in, dot product)": evaluate(catalog, als),
        "same artist as a seed, then popularity (reference; not one vector)": evaluate(
            catalog, lambda seeds: np.isin(artist, artist[seeds]) + popularity / (popularity.max() + 1.0)
        ),
    }


def grid(catalog: Catalog, content: np.ndarray, factors, config: CollaborativeConfig) -> dict[str, tuple[float, float]]:
    """Every variant tried, each one knob away from `config` (fixed ALS unless alpha or factors change)."""
    rows: dict[str, tuple[float, float]] = {}
    for query in ("fold_in", "mean"):
        for exponent in (1.0, 0.5, 0.25, 0.15, 0.0):
            variant = replace(config, query=query, norm_exponent=exponent)
            rows[f"query {query}, norm exponent {exponent}"] = evaluate(
                catalog, deployed_scorer(catalog, content, factors, variant)
            )
    for shrinkage in (0.5, 1.0, 5.0, 20.0):
        rows[f"shrinkage {shrinkage}"] = evaluate(
            catalog, deployed_scorer(catalog, content, factors, replace(config, shrinkage=shrinkage))
        )
    rows["best seed per track (max over seeds)"] = evaluate(
        catalog, deployed_scorer(catalog, content, factors, config, best_seed=True)
    )
    for knob in ({"alpha": 10.0}, {"alpha": 30.0}, {"regularization": 1.0}, {"factors": 15}, {"iterations": 50}):
        variant = replace(config, **knob)
        fitted = factors_fit(catalog.matrix(variant.alpha), variant)
        name = ", ".join(f"{key} {value}" for key, value in knob.items())
        rows[f"ALS {name}"] = evaluate(catalog, deployed_scorer(catalog, content, fitted, variant))
    return rows


def print_table(title: str, rows: dict[str, tuple[float, float]], base: float) -> None:
    print(f"\n{title}\n| variant | recall@{K} | hit rate@{K} | recall vs today's content model |\n|---|---|---|---|")
    for name, (recall, hits) in rows.items():
        print(f"| {name} | {recall:.4f} | {hits:.4f} | {recall / base:.2f}x |")


def main() -> None:
    args = parse_args()
    if not args.csv.exists():
        sys.exit(f"spotify_songs.csv not found at {args.csv}")
    print(machine_header())
    catalog = Catalog(args.csv, args.seed)
    config = CollaborativeConfig(norm_exponent=args.norm_exponent)
    matrix = catalog.matrix(config.alpha)
    started = time.perf_counter()
    factors = factors_fit(matrix, config)
    fit_seconds = time.perf_counter() - started
    track_content, content = catalog.content()
    rows = baselines(catalog, track_content, factors)
    base = rows["content only (today's model, playlist columns out)"][0]
    previous = replace(config, **PREVIOUS)  # type: ignore[arg-type]
    rows["previous deployed hybrid (shrinkage 5, dot product, ALS fold-in)"] = evaluate(
        catalog, deployed_scorer(catalog, content, factors, previous)
    )
    rows[f"**deployed hybrid** (mean query, norm exponent {config.norm_exponent}, shrinkage {config.shrinkage})"] = (
        evaluate(catalog, deployed_scorer(catalog, content, factors, config))
    )
    print(
        f"{catalog.n_tracks} tracks, {catalog.n_train} training playlists, {len(catalog.queries)} held out "
        f"(seed {args.seed}); ALS fit {fit_seconds:.1f} s on {matrix.nnz} interactions"
    )
    print_table("Variants (ratios against the content-only model)", rows, base)
    if args.grid:
        print_table(
            "What was tried (each one knob away from the deployed hybrid)",
            grid(catalog, content, factors, config),
            base,
        )
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
