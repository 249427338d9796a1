"""Training time and memory of the taste model, measured on synthetic listens and extrapolated to 1M x 1M x 100M.

    .venv/bin/python bench/taste_training_scale.py [--sizes 20000:200000 50000:500000 100000:1000000]

Each size is users=items=N with L (user, item) pairs drawn with Zipf-like item popularity (a few items have
most listeners, as in Last.fm). Timed: the confidence matrix (juke_ml.collaborative.confidence_matrix), the
ALS fit (factors_fit, 31 factors, 15 iterations, one thread), and the deployed space (space_fit). Memory: the
peak resident size of this process after each step (ru_maxrss), so read the largest run's numbers. ALS costs
O(nnz k^2 + (users + items) k^3) per iteration; the extrapolation fits time = a * nnz + b * (users + items) with a, b >= 0.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.machine import machine_header  # noqa: E402
from juke_ml.collaborative import CollaborativeConfig, confidence_matrix, factors_fit, space_fit  # noqa: E402

TARGET = (1_000_000, 1_000_000, 100_000_000)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(users: int, pairs: int, rng: np.random.Generator) -> dict[str, float]:
    items = users
    popularity = 1.0 / np.arange(1, items + 1) ** 0.8
    popularity /= popularity.sum()
    user_ids = rng.integers(0, users, pairs)
    item_ids = rng.choice(items, pairs, p=popularity)
    plays = rng.geometric(0.3, pairs).astype(np.float64)
    config = CollaborativeConfig()
    started = time.perf_counter()
    matrix = confidence_matrix(users=user_ids, items=item_ids, weights=plays, shape=(users, items), alpha=config.alpha)
    matrix_seconds = time.perf_counter() - started
    started = time.perf_counter()
    factors = factors_fit(matrix, config)
    fit_seconds = time.perf_counter() - started
    content = rng.standard_normal((items, config.factors + 1))
    started = time.perf_counter()
    space_fit(content=content, factors=factors, config=config)
    space_seconds = time.perf_counter() - started
    return {
        "users": users,
        "nnz": matrix.nnz,
        "matrix_s": matrix_seconds,
        "fit_s": fit_seconds,
        "space_s": space_seconds,
        "peak_mb": peak_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="*", default=["20000:200000", "50000:500000", "100000:1000000"])
    args = parser.parse_args()
    print(machine_header())
    rng = np.random.default_rng(0)
    runs = []
    print("| users = items | interactions (nnz) | matrix s | ALS fit s | space s | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        users, pairs = (int(part) for part in size.split(":"))
        result = run(users, pairs, rng)
        runs.append(result)
        print(
            f"| {users:,} | {result['nnz']:,} | {result['matrix_s']:.2f} | {result['fit_s']:.2f} | "
            f"{result['space_s']:.2f} | {result['peak_mb']:.0f} |"
        )
    design = np.array([[r["nnz"], 2 * r["users"]] for r in runs], dtype=np.float64)
    total = np.array([r["matrix_s"] + r["fit_s"] + r["space_s"] for r in runs])
    (per_nnz, per_row), _ = nnls(design, total)  # non-negative: neither term can make training faster
    users, items, nnz = TARGET
    estimate = per_nnz * nnz + per_row * (users + items)
    k = CollaborativeConfig().factors
    # CSR + CSC copies (float32 data + int32 indices), user and item factors (float32), the items' content.
    memory_gb = (2 * nnz * 8 + (users + items) * k * 4 + items * (k + 1) * 8) / 1e9
    largest = runs[-1]
    by_largest = (largest["matrix_s"] + largest["fit_s"] + largest["space_s"]) * nnz / largest["nnz"]
    print(f"scaled from the largest run by interactions alone: {by_largest / 60:.0f} min")
    print(
        f"estimate at {users:,} users x {items:,} items x {nnz:,} interactions, one thread: "
        f"{estimate / 60:.0f} min ({per_nnz * 1e6:.2f} s per million interactions, "
        f"{per_row * 1e6:.2f} s per million users+items); matrices and factors {memory_gb:.1f} GB"
    )
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
