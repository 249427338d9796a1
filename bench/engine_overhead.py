"""Engine per-request overhead at the shared catalog's size: POST /recommend against the HTTP floor (GET /health).

Fills a fresh SQLite file, built by Django's migrations, with the shared catalog's unique tracks, albums and artists
(../shared/data/spotify_songs.csv: 28,356 + 22,545 + 10,693 names) and random unit vectors of dimension 32, then
starts two engines on it at once: this tree's and the integration branch's (--old-tree, default /work/main), the
simple approach side by side. After a warm-up, each engine in turn gets GET /health, GET /docs, then POST /recommend
(half seeded by a track name, half by a seed vector; limit 10, two excluded ids, default resource types) from its
own keep-alive client on 127.0.0.1; the engines take turns request by request, so both see the same load.
GET /docs (FastAPI's small Swagger page, an `async` route: no thread-pool hop) is timed too, as a second floor:
GET /health is a plain `def` route with a plain `def` dependency, so it crosses the thread pool.

    .venv/bin/python bench/engine_overhead.py [--requests 1000] [--old-tree /work/main]
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.machine import machine_header  # noqa: E402
from recommender_engine.tests.conftest import EngineProcess  # noqa: E402
from recommender_engine.tests.database import CATALOG_REQUIRED, CATALOG_TABLES, EMBEDDING_TABLES, migrate  # noqa: E402

# ../shared/data from the main checkout, ../../shared/data from a worktree under /work/wt.
CSV_PATH = next(
    (path for path in (root / "shared" / "data" / "spotify_songs.csv" for root in REPO_ROOT.parents) if path.exists()),
    REPO_ROOT.parent / "shared" / "data" / "spotify_songs.csv",
)
DIMENSION = 32


def shared_catalog_names() -> dict[str, list[str]]:
    tracks: dict[str, str] = {}
    albums: dict[str, str] = {}
    artists: dict[str, str] = {}
    with CSV_PATH.open(newline="") as handle:
        for row in csv.DictReader(handle):
            tracks.setdefault(row["track_id"], row["track_name"] or row["track_id"])
            albums.setdefault(row["track_album_id"], row["track_album_name"] or row["track_album_id"])
            artists.setdefault(row["track_artist"], row["track_artist"] or "unknown")
    return {"tracks": list(tracks.values()), "albums": list(albums.values()), "artists": list(artists.values())}


def fill(path: Path, names: dict[str, list[str]]) -> None:
    migrate({"SQLITE_PATH": str(path)})
    rng = np.random.default_rng(0)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(path) as connection:
        for resource, values in names.items():
            required = CATALOG_REQUIRED[resource]
            columns = ", ".join(["id", "spotify_id", "name", "created_at", "modified_at", *required])
            connection.executemany(
                f"INSERT INTO {CATALOG_TABLES[resource]} ({columns}) VALUES ({', '.join('?' * (5 + len(required)))})",
                [
                    (row, f"{resource[:2]}{row:020d}", name, now, now, *required.values())
                    for row, name in enumerate(values, 1)
                ],
            )
            vectors = rng.standard_normal((len(values), DIMENSION), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            table, foreign_key = EMBEDDING_TABLES[resource]
            connection.executemany(
                f"INSERT INTO {table} (id, {foreign_key}, vector, model_version, quality_score, metadata, created_at, "
                "modified_at) VALUES (?, ?, ?, 'bench-v1', 1.0, '{}', ?, ?)",
                [(row, row, vectors[row - 1].tobytes(), now, now) for row in range(1, len(values) + 1)],
            )


def requests_for(names: list[str], count: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(1)
    bodies: list[dict[str, Any]] = []
    for position in range(count):
        excluded = [f"tr{int(row):020d}" for row in rng.integers(1, len(names) + 1, 2)]
        if position % 2:
            seed: dict[str, Any] = {"tracks": [names[int(rng.integers(0, len(names)))]]}
        else:
            vector = rng.standard_normal(DIMENSION)
            seed = {"seed_vectors": [(vector / np.linalg.norm(vector)).tolist()]}
        bodies.append({**seed, "limit": 10, "exclude_spotify_ids": excluded})
    return bodies


def start_engine(tree: Path, database: Path) -> EngineProcess:
    env = {"DATABASE_URL": "", "SQLITE_PATH": str(database), "RECOMMENDER_INDEX": "exact"}
    env.update(dict.fromkeys(("POSTGRES_NAME", "POSTGRES_USER", "POSTGRES_HOST", "POSTGRES_PORT"), ""))
    return EngineProcess(env, Path(tempfile.mkdtemp()) / "engine.log", startup_timeout=300, cwd=tree)


def timed(send: Any) -> float:
    started = time.perf_counter()
    send().raise_for_status()
    return (time.perf_counter() - started) * 1000


def measure(engines: dict[str, EngineProcess], bodies: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """Per engine, /health, /docs, then /recommend with the same body; the engines take turns (which goes first
    alternates), so that every engine sees the same load."""
    samples = {label: {"health": [], "docs": [], "recommend": []} for label in engines}
    clients = {label: httpx.Client(base_url=engine.url, timeout=60) for label, engine in engines.items()}
    try:
        for position, body in enumerate(bodies[:50] + bodies):
            labels = list(clients) if position % 2 else list(reversed(clients))
            for label in labels:
                client = clients[label]
                times = {
                    "health": timed(lambda client=client: client.get("/health")),
                    "docs": timed(lambda client=client: client.get("/docs")),
                    "recommend": timed(lambda client=client, body=body: client.post("/recommend", json=body)),
                }
                if position >= 50:  # after the warm-up
                    for kind, value in times.items():
                        samples[label][kind].append(value)
    finally:
        for client in clients.values():
            client.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--old-tree", type=Path, default=Path("/work/main"))
    args = parser.parse_args()
    if not CSV_PATH.exists():
        sys.exit(f"Needs the shared catalog at {CSV_PATH}.")
    print("Engine per-request overhead (bench/engine_overhead.py)", machine_header(), sep="\n", flush=True)
    try:
        names = shared_catalog_names()
        database = Path(tempfile.mkdtemp()) / "juke.sqlite3"
        fill(database, names)
        bodies = requests_for(names["tracks"], args.requests)
        items = sum(len(values) for values in names.values())
        print(f"\n{items:,} items (SQLite), {args.requests} requests of each kind, alternating")
        print(
            "| engine | /recommend p50 / /health p50 | /recommend p50 / /docs p50 | /health p50 ms | /docs p50 ms "
            "| /recommend p50 ms | /recommend p99 ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        trees = {"old (integration branch)": args.old_tree, "new (this tree)": REPO_ROOT}
        engines: dict[str, EngineProcess] = {}
        try:
            for label, tree in trees.items():
                engines[label] = start_engine(tree, database)
            results = measure(engines, bodies)
        finally:
            for engine in engines.values():
                engine.stop()
        for label, samples in results.items():
            health, docs, recommend = (statistics.median(samples[kind]) for kind in ("health", "docs", "recommend"))
            p99 = sorted(samples["recommend"])[round(0.99 * (len(samples["recommend"]) - 1))]
            print(
                f"| {label} | {recommend / health:.2f}x | {recommend / docs:.2f}x | {health:.2f} | {docs:.2f} "
                f"| {recommend:.2f} | {p99:.2f} |",
                flush=True,
            )
        old, new = (statistics.median(samples["recommend"]) for samples in results.values())
        print(f"\n/recommend p50, new / old: {new / old:.2f}x")
    finally:
        print(machine_header(end=True), flush=True)


if __name__ == "__main__":
    main()
