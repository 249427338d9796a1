"""Benchmark `manage.py import_catalog` on PostgreSQL against a per-row get_or_create loop.

Steps (each on a freshly created database, so numbers are comparable):
 1. bulk import of /work/shared/data/spotify_songs.csv, then the same file again (idempotent re-run);
 2. bulk import of the synthetic 1,000,000-row file (bench/catalog_make_synthetic.py generates it);
 3. the per-row get_or_create loop on the first --naive-rows rows of the synthetic file, extrapolated as a rate.
The 1M database is kept (juke_bench_catalog) for the HTTP bench.

    .venv/bin/python bench/import_catalog.py [--skip-1m] [--naive-rows 20000]

Old and new side by side (`--old-root <checkout of main>`): the same file imported by each tree's own
`manage.py` (after that tree's own `migrate`) into a fresh database, alternating old, new, old, new, ...:

    .venv/bin/python bench/import_catalog.py --old-root /work/wt/old --file bench/out/synthetic_300k.csv \
        --repeats 2 --db-prefix juke_search_imp -- --defer-search-indexes
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


def fresh_db(name: str, *, root: Path = ROOT) -> dict:
    psql(f"DROP DATABASE IF EXISTS {name}")
    psql(f"CREATE DATABASE {name}")
    env = {**os.environ, "POSTGRES_HOST": "127.0.0.1", "POSTGRES_NAME": name, "POSTGRES_USER": "postgres"}
    env.pop("DATABASE_URL", None)
    subprocess.run([PY, "manage.py", "migrate", "--no-input", "-v0", "--skip-checks"], cwd=root, env=env, check=True)
    return env


def timed_import(env: dict, path: Path, *extra: str, root: Path = ROOT) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [PY, "manage.py", "import_catalog", str(path), "--no-progress", "--skip-checks", *extra],
        cwd=root, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return time.perf_counter() - started, done.stdout.strip()


def compare(args) -> None:
    """Old and new alternating on one file, each in a fresh database migrated by its own tree."""
    sys.path.insert(0, str(ROOT))
    from bench.machine import machine_header  # noqa: PLC0415 - after sys.path

    print(machine_header(), flush=True)
    results: dict[str, list[tuple[float, int, int]]] = {"old": [], "new": []}
    for repeat in range(args.repeats):
        for label, root in (("old", args.old_root), ("new", ROOT)):
            env = fresh_db(f"{args.db_prefix}_{label}", root=root)
            seconds, summary = timed_import(env, args.file.resolve(), *args.extra, root=root)
            rows, tracks = numbers(summary)
            results[label].append((seconds, rows, tracks))
            load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
            print(
                f"repeat {repeat + 1} {label}: {seconds:.1f} s, {tracks / seconds:,.0f} tracks/s (load {load})",
                flush=True,
            )
            psql(f"DROP DATABASE IF EXISTS {args.db_prefix}_{label}")
    print(f"\nfile: {args.file} ({rows:,} rows, {tracks:,} tracks written); flags: {' '.join(args.extra) or '(none)'}")
    print("| run | old s | new s | old tracks/s | new tracks/s | new/old speed |")
    print("|---|---|---|---|---|---|")
    for repeat, (old, new) in enumerate(zip(results["old"], results["new"], strict=True), start=1):
        print(f"| {repeat} | {old[0]:.1f} | {new[0]:.1f} | {old[2] / old[0]:,.0f} | {new[2] / new[0]:,.0f} | "
              f"{old[0] / new[0]:.2f}x |")  # fmt: skip
    old_total, new_total = (sum(run[0] for run in results[label]) for label in ("old", "new"))
    print(f"| all | {old_total:.1f} | {new_total:.1f} | | | **{old_total / new_total:.2f}x** |")
    print(machine_header(end=True))


def numbers(summary: str) -> tuple[int, int]:
    rows = int(re.search(r"(\d+) rows", summary).group(1))
    created = int(re.search(r"tracks created (\d+)", summary).group(1))
    updated = int(re.search(r"updated (\d+)", summary).group(1))
    return rows, created + updated


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-1m", action="store_true")
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--old-root", type=Path, help="A checkout of the old code: compare old and new only.")
    parser.add_argument("--file", type=Path, default=SYNTHETIC)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--db-prefix", default="juke_bench_import")
    parser.add_argument("extra", nargs="*", help="import_catalog flags for both (after --)")
    args = parser.parse_args()
    if args.old_root:
        compare(args)
        return
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
