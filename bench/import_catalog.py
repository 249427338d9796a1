"""Benchmark `manage.py import_catalog` on PostgreSQL against a per-row get_or_create loop.

Steps (each on a freshly created database, so numbers are comparable):
 1. bulk import of /work/shared/data/spotify_songs.csv, then the same file again (idempotent re-run);
 2. bulk import of the synthetic 1,000,000-row file (bench/catalog_make_synthetic.py generates it);
 3. the per-row get_or_create loop on the first --naive-rows rows of the synthetic file, extrapolated as a rate.
The 1M database is kept (juke_bench_catalog) for the HTTP bench.

    .venv/bin/python bench/import_catalog.py [--skip-1m] [--naive-rows 20000]
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/data/spotify_songs.csv")
SYNTHETIC = ROOT / "bench/out/synthetic_1m.csv"
PY = str(ROOT / ".venv/bin/python")


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)


def fresh_db(name: str) -> dict:
    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    env = {**os.environ, "POSTGRES_HOST": "127.0.0.1", "POSTGRES_NAME": name, "POSTGRES_USER": "postgres"}
    env.pop("DATABASE_URL", None)
    subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0", "--skip-checks"], cwd=ROOT, env=env, check=True)
    return env


def timed_import(env: dict, path: Path, *extra: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [PY, "manage.py", "import_catalog", str(path), "--no-progress", "--skip-checks", *extra],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return time.perf_counter() - started, done.stdout.strip()


def numbers(summary: str) -> tuple[int, int]:
    rows = int(re.search(r"(\d+) rows", summary).group(1))
    created = int(re.search(r"tracks created (\d+)", summary).group(1))
    updated = int(re.search(r"updated (\d+)", summary).group(1))
    return rows, created + updated


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-1m", action="store_true")
    parser.add_argument("--naive-rows", type=int, default=20_000)
    args = parser.parse_args()
    results = []
    env = fresh_db("juke_bench_catalog_small")
    for label, extra in (
        ("spotify_songs.csv (32,833 rows)", ()),
        ("spotify_songs.csv again (re-run, nothing to write)", ()),
    ):
        seconds, summary = timed_import(env, SHARED, *extra)
        rows, tracks = numbers(summary)
        results.append((f"bulk import_catalog {label}", rows, tracks, seconds))
        print(summary, flush=True)
    env = fresh_db("juke_bench_catalog_small")
    seconds, summary = timed_import(env, SHARED, "--defer-search-indexes")
    rows, tracks = numbers(summary)
    results.append(("bulk import_catalog spotify_songs.csv --defer-search-indexes", rows, tracks, seconds))
    psql("DROP DATABASE IF EXISTS juke_bench_catalog_small")
    if not args.skip_1m:
        if not SYNTHETIC.exists():
            subprocess.run([PY, "bench/catalog_make_synthetic.py", "--out", str(SYNTHETIC)], cwd=ROOT, check=True)
        env = fresh_db("juke_bench_catalog")
        seconds, summary = timed_import(env, SYNTHETIC, "--defer-search-indexes")
        rows, tracks = numbers(summary)
        results.append(("bulk import_catalog synthetic 1M rows --defer-search-indexes", rows, tracks, seconds))
        print(summary, flush=True)
    env = fresh_db("juke_bench_catalog_naive")
    done = subprocess.run(
        [PY, "bench/catalog_naive_loop.py", str(SYNTHETIC if SYNTHETIC.exists() else SHARED), "--rows", str(args.naive_rows)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    match = re.search(r"rows=(\d+) tracks=(\d+) seconds=([\d.]+)", done.stdout)
    results.append(
        (f"per-row get_or_create loop (first {args.naive_rows:,} rows)", int(match[1]), int(match[2]), float(match[3]))
    )
    psql("DROP DATABASE IF EXISTS juke_bench_catalog_naive")

    print(f"\nmachine: {platform.node()} {os.cpu_count()} cores, python {sys.version.split()[0]}")
    print(f"| {'run':<58} | {'rows':>9} | {'tracks written':>14} | {'seconds':>8} | {'rows/s':>8} | {'tracks/s':>8} |")
    print(f"|{'-' * 60}|{'-' * 11}|{'-' * 16}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    for label, rows, tracks, seconds in results:
        print(
            f"| {label:<58} | {rows:>9,} | {tracks:>14,} | {seconds:>8.1f} | {rows / seconds:>8,.0f} | {tracks / seconds:>8,.0f} |"
        )


if __name__ == "__main__":
    main()
