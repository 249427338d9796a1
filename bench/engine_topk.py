"""Engine top-k in process: the memory floor, the old full-argpartition top-k and the new one, side by side; and the
approximate (faiss HNSW) index's recall@10, latency, build time and memory, measured at 1M and 2-3M and
extrapolated to 10M.

Exact part: n random unit float32 vectors of the deployed dimension (32). Per query, in rotation so load changes hit
all three alike: the floor (`matrix @ q`, one pass over the matrix, row-major as before and column-major as
`ExactIndex` now stores it; also `matrix.sum()` once per round), the old top-k (row-major `matrix @ q`, then
`argpartition` of all n scores), and `juke_ml.index.ExactIndex.search` (sampled threshold, then only the survivors). Both top-ks get the same k and excluded rows as the engine gives them (limit 10, two
excluded ids, one seed row: k = 10 + 2 + 4 + 5 = 21), and their results are checked equal to a full sort.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/engine_topk.py [--rows 1000000] [--queries 300]
        [--approximate 1000000,2000000] [--ef-search 64,128,256]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # as the engine runs: one BLAS thread per request

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.machine import machine_header  # noqa: E402
from juke_ml.index import ApproximateIndex, ExactIndex  # noqa: E402

DIMENSION = 32
ENGINE_K = 10 + 2 + 4 + 5  # recommend._top: limit + excluded ids + 4 per seed name + 5


def random_units(seed: int, n: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, DIMENSION), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def old_search(matrix: np.ndarray, query: np.ndarray, k: int, excluded: np.ndarray) -> np.ndarray:
    """The engine's top-k before this change: every score, a full argpartition, then sort the k."""
    scores = matrix @ query
    scores[excluded] = -np.inf
    n = len(scores)
    best = np.argpartition(scores, n - k)[n - k :]
    return best[np.argsort(-scores[best], kind="stable")]


def full_sort(matrix: np.ndarray, query: np.ndarray, k: int, excluded: np.ndarray) -> np.ndarray:
    scores = matrix @ query
    rows = np.setdiff1d(np.arange(len(matrix)), excluded)
    return rows[np.lexsort((rows, -scores[rows]))][:k]


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def timed_cpu(function: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU milliseconds: on a shared machine the CPU time leaves out the time the thread waited for a core."""
    started, started_cpu = time.perf_counter(), time.thread_time()
    function()
    return (time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000


def p50_p99(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def exact_part(rows: int, queries: int) -> None:
    matrix = random_units(0, rows)
    index = ExactIndex(matrix)
    query_vectors = random_units(1, queries)
    excluded_sets = np.random.default_rng(2).integers(0, rows, (queries, 3))
    for query, excluded in zip(query_vectors[:5], excluded_sets[:5], strict=True):
        expected = full_sort(index.matrix, query, ENGINE_K, excluded)  # the index's own scores (column-major)
        assert np.array_equal(index.search(query, ENGINE_K, excluded)[0][0], expected), "new top-k differs"
        assert set(old_search(matrix, query, ENGINE_K, excluded)) == set(full_sort(matrix, query, ENGINE_K, excluded))
    samples: dict[str, list[tuple[float, float]]] = {
        "floor: matrix @ q": [],
        "floor: column-major matrix @ q": [],
        "floor: matrix.sum()": [],
        "old": [],
        "new": [],
    }
    for _ in range(3):  # warm-up
        matrix @ query_vectors[0]
        index.search(query_vectors[0], ENGINE_K, excluded_sets[0])
    for query, excluded in zip(query_vectors, excluded_sets, strict=True):
        samples["floor: matrix @ q"].append(timed_cpu(lambda query=query: matrix @ query))
        samples["floor: column-major matrix @ q"].append(timed_cpu(lambda query=query: index.matrix @ query))
        samples["old"].append(timed_cpu(lambda q=query, e=excluded: old_search(matrix, q, ENGINE_K, e)))
        samples["new"].append(timed_cpu(lambda q=query, e=excluded: index.search(q, ENGINE_K, e)))
        if len(samples["floor: matrix.sum()"]) < 50:
            samples["floor: matrix.sum()"].append(timed_cpu(matrix.sum))
    wall = {name: [sample[0] for sample in values] for name, values in samples.items()}
    cpu = {name: [sample[1] for sample in values] for name, values in samples.items()}
    floor_names = ("floor: matrix @ q", "floor: column-major matrix @ q", "floor: matrix.sum()")
    floor = min(statistics.median(wall[name]) for name in floor_names)
    cpu_floor = min(statistics.median(cpu[name]) for name in floor_names)
    print(
        f"\nExact top-{ENGINE_K} at {rows:,} x {DIMENSION} float32 ({matrix.nbytes / 2**20:.0f} MiB), {queries} queries"
    )
    print("| approach | CPU p50 / floor | wall p50 / floor | CPU p50 ms | wall p50 ms | wall p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in samples:
        p50, p99 = p50_p99(wall[name])
        cpu_p50 = statistics.median(cpu[name])
        print(f"| {name} | {cpu_p50 / cpu_floor:.2f}x | {p50 / floor:.2f}x | {cpu_p50:.2f} | {p50:.2f} | {p99:.2f} |")
    old, new = statistics.median(cpu["old"]), statistics.median(cpu["new"])
    print(f"old / new CPU p50: {old / new:.2f}x; results equal to a full sort (rows and order) on the checked queries")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def approximate_part(rows: int, ef_values: list[int], queries: int) -> None:
    matrix = random_units(0, rows)
    query_vectors = random_units(3, queries)
    exact = ExactIndex(matrix)
    truth = exact.search(query_vectors, 10)[0]
    exact_ms = [timed(lambda q=query: exact.search(q, 10)) for query in query_vectors[:100]]
    before = rss_mib()
    started = time.perf_counter()
    index = ApproximateIndex(matrix)
    build_s = time.perf_counter() - started
    graph_mib = rss_mib() - before
    print(f"\nApproximate (HNSW M={index.m}, efConstruction={index.ef_construction}) at {rows:,} vectors:")
    print(f"build {build_s:.0f} s on {os.cpu_count()} cores; RSS growth {graph_mib:.0f} MiB (graph + its vector copy)")
    print(f"exact top-10 p50 on the same vectors: {statistics.median(exact_ms):.2f} ms")
    print("| efSearch | recall@10 | p50 ms | p99 ms | exact p50 / approximate p50 |")
    print("|---:|---:|---:|---:|---:|")
    for ef in ef_values:
        index.ef_search = ef
        samples, hits = [], 0
        for query, expected in zip(query_vectors, truth, strict=True):
            started = time.perf_counter()
            found = index.search(query, 10)[0][0]
            samples.append((time.perf_counter() - started) * 1000)
            hits += len(set(found.tolist()) & set(expected.tolist()))
        p50, p99 = p50_p99(samples)
        print(
            f"| {ef} | {hits / (10 * queries):.3f} | {p50:.2f} | {p99:.2f} | {statistics.median(exact_ms) / p50:.1f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--approximate", default="", help="comma-separated sizes for the HNSW part (e.g. 1000000)")
    parser.add_argument("--ef-search", default="64,128,256")
    args = parser.parse_args()
    print("Engine top-k (bench/engine_topk.py)", machine_header(), sep="\n", flush=True)
    try:
        if args.rows:
            exact_part(args.rows, args.queries)
        for size in filter(None, args.approximate.split(",")):
            approximate_part(int(size), [int(value) for value in args.ef_search.split(",")], min(args.queries, 200))
    finally:
        print(machine_header(end=True), flush=True)


if __name__ == "__main__":
    main()
