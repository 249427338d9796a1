"""Recommender engine speed: /recommend p50/p99 over HTTP against a real uvicorn engine on PostgreSQL.

For each catalog size it fills a database of its own (`juke_h_bench_<size>`, reused when already filled) with
random unit track vectors (and, for the shared-catalog size, the real track/album/artist names and counts of
../shared/data/spotify_songs.csv with random vectors), starts the engine on it, and sends a bounded number of
sequential requests from one keep-alive client on 127.0.0.1: half seeded by a track name, half by a seed vector,
default resource types, limit 10, two excluded ids. At 10k and 100k it answers the same requests with the
load-everything-and-loop approach (SELECT every vector on each request, score each row in a Python loop; run
in-process, so without any HTTP cost). It also records the engine's RSS growth and full index load time.

    POSTGRES_USER=postgres POSTGRES_HOST=127.0.0.1 .venv/bin/python bench/engine_speed.py --approximate \
        [--sizes shared,10000,100000,1000000] [--real-catalog juke_h_reco_bench]
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import psycopg

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.machine import machine_header  # noqa: E402
from recommender_engine.tests.conftest import EngineProcess  # noqa: E402
from recommender_engine.tests.database import CATALOG_REQUIRED, create_postgres_database  # noqa: E402

# ../shared/data from the main checkout, ../../shared/data from a worktree under /work/wt.
CSV_PATH = next(
    (path for path in (root / "shared" / "data" / "spotify_songs.csv" for root in REPO_ROOT.parents) if path.exists()),
    REPO_ROOT.parent / "shared" / "data" / "spotify_songs.csv",
)
DIMENSION = 32
ADMIN = {
    "user": os.environ.get("POSTGRES_USER", "postgres"),
    "password": os.environ.get("POSTGRES_PASSWORD", ""),
    "host": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
    "port": os.environ.get("POSTGRES_PORT", "5432"),
}
TABLES = {
    "tracks": ("catalog_track", "recommender_trackembedding", "track_id"),
    "albums": ("catalog_album", "recommender_albumembedding", "album_id"),
    "artists": ("catalog_artist", "recommender_artistembedding", "artist_id"),
}


def random_units(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def shared_catalog_names() -> dict[str, list[str]]:
    """Unique track, album and artist names (by id) of the shared CSV, as the import would create them."""
    tracks: dict[str, str] = {}
    albums: dict[str, str] = {}
    artists: dict[str, str] = {}
    with CSV_PATH.open(newline="") as handle:
        for row in csv.DictReader(handle):
            tracks.setdefault(row["track_id"], row["track_name"] or row["track_id"])
            albums.setdefault(row["track_album_id"], row["track_album_name"] or row["track_album_id"])
            artists.setdefault(row["track_artist"], row["track_artist"] or "unknown")
    return {"tracks": list(tracks.values()), "albums": list(albums.values()), "artists": list(artists.values())}


def database_name(label: str) -> str:
    return f"juke_h_bench_{label}"


def fill(label: str, names: dict[str, list[str]], seed: int = 0) -> None:
    """Create (or reuse, when already filled) the database for one scenario."""
    name = database_name(label)
    expected = {resource: len(values) for resource, values in names.items()}
    try:
        with psycopg.connect(dbname=name, **ADMIN) as connection:
            counts = {
                resource: connection.execute(f"SELECT count(*) FROM {embedding}").fetchone()[0]
                for resource, (_, embedding, _) in TABLES.items()
            }
            if all(counts.get(resource, 0) == count for resource, count in expected.items()):
                print(f"  {name}: reusing ({counts})", flush=True)
                return
    except psycopg.Error:
        pass
    started = time.perf_counter()
    create_postgres_database(ADMIN, name)  # fresh, and migrated by Django's migrations
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    with psycopg.connect(dbname=name, **ADMIN) as connection:
        for resource, values in names.items():
            catalog, embedding, foreign_key = TABLES[resource]
            vectors = random_units(rng, len(values))
            with connection.cursor() as cursor:
                required = CATALOG_REQUIRED[resource]
                columns = ", ".join(["id", "spotify_id", "name", "created_at", "modified_at", *required])
                with cursor.copy(f"COPY {catalog} ({columns}) FROM STDIN") as copy:
                    for row, value in enumerate(values, start=1):
                        copy.write_row((row, f"{resource[:2]}{row:020d}", value, now, now, *required.values()))
                with cursor.copy(
                    f"COPY {embedding} (id, {foreign_key}, vector, model_version, quality_score, metadata, "
                    "created_at, modified_at) FROM STDIN"
                ) as copy:
                    for row in range(1, len(values) + 1):
                        copy.write_row((row, row, vectors[row - 1].tobytes(), "bench-v1", 1.0, "{}", now, now))
        connection.commit()
        connection.execute("ANALYZE")
    print(f"  {name}: filled {expected} in {time.perf_counter() - started:.1f} s", flush=True)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def make_requests(names: list[str], count: int, seed: int = 1) -> list[dict]:
    rng = np.random.default_rng(seed)
    requests = []
    for position in range(count):
        excluded = [f"tr{int(row):020d}" for row in rng.integers(1, len(names) + 1, 2)]
        if position % 2:
            body = {"tracks": [names[int(rng.integers(0, len(names)))]]}
        else:
            body = {"seed_vectors": [random_units(rng, 1)[0].tolist()]}
        requests.append({**body, "limit": 10, "exclude_spotify_ids": excluded})
    return requests


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def measure_incremental(client: httpx.Client, label: str, rows: int = 1000) -> dict:
    """Seconds for POST /refresh after inserting `rows` new track embeddings (read incrementally), then after deleting
    them again (a count drop: the ids are read and missing rows dropped). Leaves the database as it was."""
    rng = np.random.default_rng(9)
    now = datetime.now(UTC)
    with psycopg.connect(dbname=database_name(label), **ADMIN) as connection:
        start = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM catalog_track").fetchone()[0]
        ids = list(range(start, start + rows))
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO catalog_track (id, spotify_id, name, created_at, modified_at) VALUES (%s, %s, %s, %s, %s)",
                [(row, f"new{row:019d}", f"New track {row}", now, now) for row in ids],
            )
            cursor.executemany(
                "INSERT INTO recommender_trackembedding (id, track_id, vector, model_version, quality_score, metadata, "
                "created_at, modified_at) VALUES (%s, %s, %s, 'bench-v1', 1.0, '{}', %s, %s)",
                [
                    (row, row, vector.tobytes(), now, now)
                    for row, vector in zip(ids, random_units(rng, rows), strict=True)
                ],
            )
        connection.commit()
        started = time.perf_counter()
        client.post("/refresh").raise_for_status()
        insert_seconds = time.perf_counter() - started
        connection.execute("DELETE FROM recommender_trackembedding WHERE id >= %s", (start,))
        connection.execute("DELETE FROM catalog_track WHERE id >= %s", (start,))
        connection.commit()
        started = time.perf_counter()
        client.post("/refresh").raise_for_status()
        delete_seconds = time.perf_counter() - started
    return {"rows": rows, "insert_refresh_s": insert_seconds, "delete_refresh_s": delete_seconds}


def measure_engine(
    label: str, requests: list[dict], index_kind: str, warmup: int = 20, measure_changes: bool = False
) -> dict:
    env = {
        "DATABASE_URL": None,
        "POSTGRES_NAME": label if label.startswith("juke") else database_name(label),
        "POSTGRES_USER": ADMIN["user"],
        "POSTGRES_PASSWORD": ADMIN["password"],
        "POSTGRES_HOST": ADMIN["host"],
        "POSTGRES_PORT": ADMIN["port"],
        "RECOMMENDER_INDEX": index_kind,
        "RECOMMENDER_REFRESH_SECONDS": "5",
    }
    started = time.perf_counter()
    engine = EngineProcess(env, Path(tempfile.mkdtemp()) / "engine.log", startup_timeout=600)
    startup = time.perf_counter() - started
    try:
        rss_after_start = rss_kib(engine.process.pid)
        with httpx.Client(base_url=engine.url, timeout=60) as client:
            health = client.get("/health").json()
            started = time.perf_counter()
            client.post("/refresh", params={"full": "true"}).raise_for_status()
            full_load = time.perf_counter() - started
            for body in requests[:warmup]:
                client.post("/recommend", json=body).raise_for_status()
            samples = []
            for body in requests:
                started = time.perf_counter()
                response = client.post("/recommend", json=body)
                samples.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
            rss_after = rss_kib(engine.process.pid)
            incremental = measure_incremental(client, label) if measure_changes else None
    finally:
        engine.stop()
    p50, p99 = percentiles(samples)
    return {
        "indexed": health["indexed"],
        "index": health["index"],
        "p50": p50,
        "p99": p99,
        "startup_s": startup,
        "full_load_s": full_load,
        "rss_start_kib": rss_after_start,
        "rss_kib": rss_after,
        "requests": len(samples),
        "incremental": incremental,
    }


def loop_recommend(connection, body: dict, rng: np.random.Generator) -> list[tuple[float, str, str]]:
    """The load-everything-and-loop approach: read every vector, score each row in Python, sort."""
    rows = connection.execute(
        "SELECT c.name, c.spotify_id, e.vector FROM recommender_trackembedding e "
        "JOIN catalog_track c ON c.id = e.track_id"
    ).fetchall()
    if "seed_vectors" in body:
        query = np.asarray(body["seed_vectors"][0], dtype=np.float32)
        seed_names: set[str] = set()
    else:
        seed_names = {name.lower() for name in body["tracks"]}
        seeds = [np.frombuffer(vector, dtype="<f4") for name, _, vector in rows if name.lower() in seed_names]
        query = np.mean(seeds, axis=0) if seeds else random_units(rng, 1)[0]
    excluded = set(body["exclude_spotify_ids"])
    scored = []
    for name, spotify_id, vector in rows:
        if spotify_id in excluded or name.lower() in seed_names:
            continue
        candidate = np.frombuffer(vector, dtype="<f4")
        score = float(np.dot(query, candidate) / (np.linalg.norm(query) * np.linalg.norm(candidate)))
        scored.append((score, name, spotify_id))
    scored.sort(reverse=True)
    return scored[: body["limit"]]


def measure_loop(label: str, requests: list[dict]) -> dict:
    rng = np.random.default_rng(2)
    samples = []
    with psycopg.connect(dbname=database_name(label), **ADMIN) as connection:
        loop_recommend(connection, requests[0], rng)  # warm the cache
        for body in requests:
            started = time.perf_counter()
            loop_recommend(connection, body, rng)
            samples.append((time.perf_counter() - started) * 1000)
    p50, p99 = percentiles(samples)
    return {"p50": p50, "p99": p99, "requests": len(samples)}


def approximate_recall(count: int, queries: int = 200, k: int = 10) -> float:
    """recall@k of the approximate index (engine defaults) against the exact one, on the same vectors as the DB."""
    from juke_ml.index import ApproximateIndex, ExactIndex  # noqa: PLC0415 - after sys.path and Django are set up by main()
    from recommender_engine.app.core.config import Settings  # noqa: PLC0415 - after sys.path and Django are set up by main()

    matrix = random_units(np.random.default_rng(0), count)  # what fill() wrote for the tracks
    query_vectors = random_units(np.random.default_rng(3), queries)
    exact_rows, _ = ExactIndex(matrix).search(query_vectors, k)
    settings = Settings()
    approximate = ApproximateIndex(
        matrix,
        settings.RECOMMENDER_HNSW_M,
        settings.RECOMMENDER_HNSW_EF_CONSTRUCTION,
        settings.RECOMMENDER_HNSW_EF_SEARCH,
    )
    approximate_rows, _ = approximate.search(query_vectors, k)
    hits = [len(set(a) & set(e)) for a, e in zip(approximate_rows.tolist(), exact_rows.tolist(), strict=True)]
    return sum(hits) / (k * queries)


def main() -> None:
    print("Engine speed (bench/engine_speed.py)", machine_header(), sep="\n", flush=True)
    try:
        run()
    finally:
        print(machine_header(end=True), flush=True)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="shared,10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per engine scenario")
    parser.add_argument("--loop-requests", type=int, default=20, help="timed requests per loop scenario")
    parser.add_argument("--approximate", action="store_true", help="also run the approximate index at 1M")
    parser.add_argument(
        "--real-catalog",
        metavar="DATABASE",
        help="also measure a database holding the imported shared catalog and its trained embeddings (read only)",
    )
    args = parser.parse_args()

    rows = []
    changes = []
    print("Filling databases...", flush=True)
    fill("empty", {"tracks": []})
    empty = measure_engine(
        "empty",
        [{"seed_vectors": [[1.0] + [0.0] * (DIMENSION - 1)], "limit": 10, "exclude_spotify_ids": []}] * 5,
        "exact",
        warmup=0,
    )
    for size in args.sizes.split(","):
        if size == "shared":
            names = shared_catalog_names()
            label = "shared"
        else:
            count = int(size)
            names = {"tracks": [f"Synthetic track {row}" for row in range(1, count + 1)]}
            label = f"{count // 1000}k" if count < 1_000_000 else f"{count // 1_000_000}m"
        fill(label, names)
        requests = make_requests(names["tracks"], args.requests)
        kinds = ["exact"] + (["approximate"] if args.approximate and size == "1000000" else [])
        for kind in kinds:
            print(f"Engine {label} ({kind})...", flush=True)
            result = measure_engine(label, requests, kind, measure_changes=size == "1000000")
            if result["incremental"]:
                changes.append((f"{label} ({kind})", result["incremental"]))
            rss_delta_mib = (result["rss_kib"] - empty["rss_kib"]) / 1024
            tracks = result["indexed"]["tracks"]
            items = sum(result["indexed"].values())
            rows.append(
                {
                    "scenario": f"engine, {'shared (random vectors)' if label == 'shared' else label} ({kind})",
                    "items": items,
                    "tracks": tracks,
                    "p50": result["p50"],
                    "p99": result["p99"],
                    "requests": result["requests"],
                    "load_s": result["full_load_s"],
                    "startup_s": result["startup_s"],
                    "rss_delta_mib": rss_delta_mib,
                    "mib_per_million": rss_delta_mib / items * 1_000_000 if items else 0.0,
                }
            )
            print(f"  {rows[-1]}", flush=True)
        if size in ("10000", "100000"):
            print(f"Loop {label}...", flush=True)
            loop = measure_loop(label, requests[: args.loop_requests])
            engine_p50 = rows[-1]["p50"]
            rows.append(
                {
                    "scenario": f"loop, {label}",
                    "items": len(names["tracks"]),
                    "tracks": len(names["tracks"]),
                    "p50": loop["p50"],
                    "p99": loop["p99"],
                    "requests": loop["requests"],
                    "speedup": loop["p50"] / engine_p50,
                }
            )
            print(f"  {rows[-1]}", flush=True)

    if args.real_catalog:
        print(f"Engine on {args.real_catalog} (real catalog and embeddings)...", flush=True)
        with psycopg.connect(dbname=args.real_catalog, **ADMIN) as connection:
            track_names = [row[0] for row in connection.execute("SELECT name FROM catalog_track ORDER BY id")]
        result = measure_engine(args.real_catalog, make_requests(track_names, args.requests), "exact")
        items = sum(result["indexed"].values())
        rss_delta_mib = (result["rss_kib"] - empty["rss_kib"]) / 1024
        rows.insert(
            0,
            {
                "scenario": f"engine, shared catalog with real embeddings ({args.real_catalog})",
                "items": items,
                "tracks": result["indexed"]["tracks"],
                "p50": result["p50"],
                "p99": result["p99"],
                "requests": result["requests"],
                "load_s": result["full_load_s"],
                "startup_s": result["startup_s"],
                "rss_delta_mib": rss_delta_mib,
                "mib_per_million": rss_delta_mib / items * 1_000_000 if items else 0.0,
            },
        )
        print(f"  {rows[0]}", flush=True)

    recall = approximate_recall(1_000_000) if args.approximate and "1000000" in args.sizes.split(",") else None
    print()
    print(
        f"Engine speed, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"dimension {DIMENSION}, empty engine RSS {empty['rss_kib'] / 1024:.0f} MiB"
    )
    print()
    print(
        "| scenario | items indexed | p50 ms | p99 ms | requests | full load s | startup s | RSS delta MiB "
        "| MiB per 1M items | loop p50 / engine p50 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['scenario']} | {row['items']:,} | {row['p50']:.1f} | {row['p99']:.1f} | {row['requests']} | "
            + (
                f"{row['load_s']:.2f} | {row['startup_s']:.2f} | {row['rss_delta_mib']:.0f} | "
                f"{row['mib_per_million']:.0f} | "
                if "load_s" in row
                else "| | | | "
            )
            + (f"{row['speedup']:.0f}x |" if "speedup" in row else "|")
        )
    for scenario, change in changes:
        print()
        print(
            f"Refresh at {scenario}: {change['rows']} new embeddings picked up in {change['insert_refresh_s']:.2f} s "
            f"(incremental); deleting them again (ids read, rows dropped) took {change['delete_refresh_s']:.2f} s."
        )
    if recall is not None:
        print()
        print(f"Approximate index (HNSW, engine defaults) recall@10 against exact, 1M random vectors: {recall:.2f}")


if __name__ == "__main__":
    main()
