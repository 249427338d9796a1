"""Taste-model quality on HetRec 2011 Last.fm 2K: recall@10 and NDCG@10, popularity vs content vs collaborative.

    .venv/bin/python bench/taste_quality.py [--data ../shared/data/hetrec2011-lastfm-2k] [--seed 0]

The data is read from the shared folder (benchmarks only; never copied into the repository). Per user, 20% of
their artists (at least one) are held out at random (fixed seed); every model ranks all artists the user has not
played in training, and we count the held-out ones in the top 10. recall@10 = hits / held-out artists;
NDCG@10 with binary gains. Label-free: no tag or playlist label is used as an answer.

Variants (every one through the functions production uses):
- popularity: artists by training listeners.
- content only (today's model): juke_ml.model fit with each artist's top Last.fm tags as its genres; a user's
  query is the mean direction of their training artists' vectors (what profile favourites do today).
- collaborative: implicit ALS (juke_ml.collaborative.factors_fit), user factor . item factor.
- deployed hybrid: the vectors `retrain` stores (juke_ml.collaborative.space_fit: each artist's own factor
  blended by support with its content vector mapped into the factor space) and the taste
  recommender.services.taste builds (CollaborativeSpace.items_query, called as `fold_in`, of the user's artists
  with their training confidences), ranked by cosine as the engine does; with CollaborativeConfig() and,
  side by side, the previous configuration (shrinkage 5, item norms kept, ALS fold-in).
- cold start: recall@10 over held-out artists with <= 2 training listeners only (hybrid vs collaborative).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.machine import machine_header  # noqa: E402
from juke_ml.collaborative import (  # noqa: E402
    CollaborativeConfig,
    confidence_matrix,
    factors_fit,
    space_fit,
)
from juke_ml.model import fit_model  # noqa: E402
from juke_ml.query import build_query_vector  # noqa: E402

# ../shared from the main checkout, ../../shared from a worktree under wt/.
SHARED = next((p / "shared" / "data" for p in REPO_ROOT.parents if (p / "shared" / "data").is_dir()), Path("shared"))
DEFAULT_DATA = SHARED / "hetrec2011-lastfm-2k"
TOP_TAGS = 5
K = 10


def read_tsv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(newline="", encoding=encoding, errors="replace") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def load(data: Path):
    plays = [(int(r["userID"]), int(r["artistID"]), float(r["weight"])) for r in read_tsv(data / "user_artists.dat")]
    tag_names = {int(r["tagID"]): r["tagValue"] for r in read_tsv(data / "tags.dat", "latin-1")}
    tag_counts: dict[int, Counter] = defaultdict(Counter)
    for row in read_tsv(data / "user_taggedartists.dat"):
        tag_counts[int(row["artistID"])][tag_names.get(int(row["tagID"]), "")] += 1
    artist_tags = {artist: [t for t, _ in counts.most_common(TOP_TAGS) if t] for artist, counts in tag_counts.items()}
    return plays, artist_tags


def split(plays, seed: int):
    """Per user: 20% of their artists held out at random (at least one when they have two or more)."""
    rng = np.random.default_rng(seed)
    by_user: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for user, artist, weight in plays:
        by_user[user].append((artist, weight))
    train, test = [], {}
    for user in sorted(by_user):
        items = sorted(by_user[user])
        held = max(1, round(0.2 * len(items))) if len(items) >= 2 else 0
        chosen = set(rng.choice(len(items), held, replace=False).tolist()) if held else set()
        test[user] = {items[i][0] for i in chosen}
        train += [(user, artist, weight) for i, (artist, weight) in enumerate(items) if i not in chosen]
    return train, {user: items for user, items in test.items() if items}


def metrics(ranked: np.ndarray, held: set[int], restrict: set[int] | None = None) -> tuple[float, float] | None:
    relevant = held if restrict is None else held & restrict
    if not relevant:
        return None
    hits = [1.0 if item in relevant else 0.0 for item in ranked[:K]]
    dcg = sum(hit / np.log2(position + 2) for position, hit in enumerate(hits))
    ideal = sum(1.0 / np.log2(position + 2) for position in range(min(K, len(relevant))))
    return sum(hits) / len(relevant), dcg / ideal


def top_k(scores: np.ndarray, exclude: list[int], only: np.ndarray | None = None) -> np.ndarray:
    scores = scores.copy()
    if only is not None:
        scores[~only] = -np.inf
    scores[exclude] = -np.inf
    best = np.argpartition(-scores, K)[:K]
    return best[np.argsort(-scores[best])]


def content_vectors(artists: list[int], artist_tags: dict[int, list[str]]) -> np.ndarray:
    model, _ = fit_model(
        tracks=[], artist_genres={a: artist_tags.get(a, []) for a in artists}, dimension=32, version="bench"
    )
    return np.vstack([model.embed("artist", {"genres": artist_tags.get(a, []), "name": str(a)})[0] for a in artists])


GRID = [
    *(
        {"query": query, "norm_exponent": exponent}
        for query in ("fold_in", "mean")
        for exponent in (1.0, 0.5, 0.25, 0.15, 0.0)
    ),
    *({"shrinkage": shrinkage} for shrinkage in (0.5, 1.0, 5.0)),
]


def grid(matrix, factors, content, config, test, user_row, artist_col, cold_mask) -> None:
    """Each variant one knob away from `config`: recall@K overall and among cold artists (same ALS factors)."""
    print(
        "\n| variant (one knob away from the deployed hybrid) | recall@10 | cold, among cold artists |\n|---|---|---|"
    )
    cold_cols = set(np.flatnonzero(cold_mask).tolist())
    for knob in GRID:
        space, deployed = space_fit(content=content, factors=factors, config=replace(config, **knob))
        overall, cold = [], []
        for user, held in test.items():
            row = user_row[user]
            seen = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]].tolist()
            if not seen:
                continue
            query = space.items_query(deployed[seen], matrix.data[matrix.indptr[row] : matrix.indptr[row + 1]])
            scores = deployed @ query
            held_cols = {artist_col[a] for a in held}
            overall.append(metrics(top_k(scores, seen), held_cols)[0])
            if held_cols & cold_cols:
                cold.append(metrics(top_k(scores, seen, cold_mask), held_cols, cold_cols)[0])
        name = ", ".join(f"{key} {value}" for key, value in knob.items())
        print(f"| {name} | {np.mean(overall):.4f} | {np.mean(cold):.4f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shrinkage", type=float, default=CollaborativeConfig.shrinkage)
    parser.add_argument("--factors", type=int, default=CollaborativeConfig.factors)
    parser.add_argument("--alpha", type=float, default=CollaborativeConfig.alpha)
    parser.add_argument("--regularization", type=float, default=CollaborativeConfig.regularization)
    parser.add_argument("--norm-exponent", type=float, default=CollaborativeConfig.norm_exponent)
    parser.add_argument("--query", choices=("mean", "fold_in"), default=CollaborativeConfig.query)
    parser.add_argument("--grid", action="store_true", help="also every variant tried (about 10 more minutes)")
    args = parser.parse_args()
    if not (args.data / "user_artists.dat").exists():
        sys.exit(f"HetRec Last.fm 2K not found at {args.data}")
    print(machine_header())
    plays, artist_tags = load(args.data)
    train, test = split(plays, args.seed)
    users = sorted({u for u, _, _ in plays})
    artists = sorted({a for _, a, _ in plays})
    user_row = {u: i for i, u in enumerate(users)}
    artist_col = {a: i for i, a in enumerate(artists)}
    config = CollaborativeConfig(
        factors=args.factors,
        alpha=args.alpha,
        shrinkage=args.shrinkage,
        regularization=args.regularization,
        norm_exponent=args.norm_exponent,
        query=args.query,
    )
    matrix = confidence_matrix(
        users=[user_row[u] for u, _, _ in train],
        items=[artist_col[a] for _, a, _ in train],
        weights=[w for _, _, w in train],
        shape=(len(users), len(artists)),
        alpha=config.alpha,
    )
    started = time.perf_counter()
    factors = factors_fit(matrix, config)
    fit_seconds = time.perf_counter() - started
    content = content_vectors(artists, artist_tags)
    space, deployed = space_fit(content=content, factors=factors, config=config)
    previous = replace(config, shrinkage=5.0, norm_exponent=1.0, query="fold_in")
    previous_space, previous_deployed = space_fit(content=content, factors=factors, config=previous)
    popularity = factors.support.astype(np.float64)
    cold = {artists[i] for i in np.flatnonzero(factors.support <= 2)}

    cold_mask = factors.support <= 2
    cold_shown: Counter = Counter()
    results: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for user, held in test.items():
        row = user_row[user]
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        seen = matrix.indices[start:end].tolist()
        confidences = matrix.data[start:end]
        if not seen:
            continue
        held_cols = {artist_col[a] for a in held}
        cold_cols = {artist_col[a] for a in cold}
        content_query = build_query_vector(seed_vectors=content[seen])
        deployed_query = space.items_query(deployed[seen], confidences)
        previous_query = previous_space.items_query(previous_deployed[seen], confidences)
        ranked = {
            "popularity": top_k(popularity, seen),
            "content only (today's model)": top_k(content @ content_query, seen),
            "collaborative (ALS)": top_k(factors.item_factors @ factors.user_factors[row], seen),
            "previous deployed hybrid (shrinkage 5, dot product, fold-in)": top_k(
                previous_deployed @ previous_query, seen
            ),
            "deployed hybrid": top_k(deployed @ deployed_query, seen),
        }
        for name, items in ranked.items():
            value = metrics(items, held_cols)
            if value:
                results[name].append(value)
        cold_scores = {
            "collaborative (ALS)": factors.item_factors @ factors.user_factors[row],
            "previous deployed hybrid (shrinkage 5, dot product, fold-in)": previous_deployed @ previous_query,
            "deployed hybrid": deployed @ deployed_query,
        }
        for name, scores in cold_scores.items():
            value = metrics(ranked[name], held_cols, cold_cols)
            if value:
                results[f"cold, in the full top 10: {name}"].append(value)
                results[f"cold, ranked among cold artists: {name}"].append(
                    metrics(top_k(scores, seen, cold_mask), held_cols, cold_cols)
                )
                cold_shown[name] += len(set(ranked[name].tolist()) & cold_cols)

    base = np.mean([r for r, _ in results["popularity"]])
    print(f"{len(users)} users, {len(artists)} artists, {len(train)} training pairs, ALS fit {fit_seconds:.1f} s")
    print(f"| variant | users | recall@{K} | NDCG@{K} | recall vs popularity |")
    print("|---|---|---|---|---|")
    for name, values in results.items():
        recall = np.mean([r for r, _ in values])
        ndcg = np.mean([n for _, n in values])
        print(f"| {name} | {len(values)} | {recall:.4f} | {ndcg:.4f} | {recall / base:.2f}x |")
    print(
        f"cold artists (<= 2 training listeners): {len(cold)} of {len(artists)}, "
        f"{int((factors.support == 0).sum())} with none; cold artists shown in top-10 lists: {dict(cold_shown)}"
    )
    if args.grid:
        grid(matrix, factors, content, config, test, user_row, artist_col, cold_mask)
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
