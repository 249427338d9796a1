"""HTTP latency of the catalog API on a large PostgreSQL catalog, through gunicorn, old and new side by side.

Starts gunicorn (2 workers, settings.base, DEBUG off) on 127.0.0.1 against the bench database for this
tree ("new") and, with `--old-root <checkout>`, a second one for another checkout ("old", e.g. main) on
the same database; creates a bench user and token, then a separate load process (this script, `--client`
mode, keep-alive connections from N threads) sends a bounded number of requests per scenario to each
server in turn (old then new, scenario by scenario, so both see the same load; with `--rounds N` they take
turns N times within each scenario, so a change of the machine's load mid-scenario falls on both) and reports p50/p90/p99
and the new/old ratios. Page 1,000 is a keyset `cursor=` on both (offsets stop at 10,000).
Prints the machine (cores, CPU model) and the load average at the start and the end. `--old-db` gives the old
server a database of its own (a copy before a migration the old code cannot read); `--pg-port` picks the cluster.

    .venv/bin/python bench/catalog_http.py --db juke_bench_catalog --old-root /work/main --requests 300
"""

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv/bin/python")
DEEP_OFFSET = 19_980  # page 1,000 of 20
WORDS = ["love", "night", "fire", "summer", "dance", "heart", "rain", "dream", "gold", "home", "sugar", "paradise"]


def server_env(db: str, pg_port: int) -> dict:
    env = {
        **os.environ,
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": str(pg_port),
        "POSTGRES_NAME": db,
        "POSTGRES_USER": "postgres",
        "DJANGO_SETTINGS_MODULE": "settings.base",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    return env


def make_token(env: dict) -> tuple[str, int]:
    code = (
        "from juke_auth.models import JukeUser; from juke_auth.services.tokens import auth_token_issue; "
        "from catalog.models import Track; "
        "u, _ = JukeUser.objects.get_or_create(username='bench', defaults={'email': 'bench@example.com'}); "
        "print(auth_token_issue(user=u)); print(Track.objects.order_by('-id').values_list('id', flat=True)[0])"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return out[-2], int(out[-1])


def scenarios(args, label: str, rng: random.Random) -> dict:
    """Scenario name -> path maker (the same paths, in the same order, for every server)."""
    # Offsets past 10,000 are a 400 since keyset pages: both servers page 1,000 deep by cursor.
    deep = f"cursor={args.deep_cursor}"
    return {
        "tracks, page 1": lambda: "/api/v1/tracks/?limit=20",
        "tracks, page 1,000 (cursor)": lambda: f"/api/v1/tracks/?limit=20&{deep}",
        "tracks, offset <0..10000>": lambda: f"/api/v1/tracks/?limit=20&offset={rng.randrange(0, 10_000)}",
        "tracks, q=<word>": lambda: f"/api/v1/tracks/?q={rng.choice(WORDS)}&limit=20",
        "tracks, q=<two words>": lambda: f"/api/v1/tracks/?q={rng.choice(WORDS)}%20{rng.choice(WORDS)}&limit=20",
        "artists, q=<word>": lambda: f"/api/v1/artists/?q={rng.choice(WORDS)}&limit=20",
        "track detail": lambda: f"/api/v1/tracks/{rng.randrange(1, args.max_id)}/",
    }


def measure(port: int, token: str, paths: list[str], concurrency: int) -> tuple[list[float], list[int], float]:
    """Latencies (ms) of the successful requests, the statuses of the others, and the wall time (s)."""
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()

    def worker(chunk):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in chunk:
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (latencies if response.status == 200 else errors).append(
                    elapsed if response.status == 200 else response.status
                )
        connection.close()

    worker(paths[:10])  # warm-up (not measured)
    latencies.clear()
    threads = [threading.Thread(target=worker, args=(paths[10 + i :: concurrency],)) for i in range(concurrency)]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - wall


def summarize(latencies: list[float], errors: list[int], wall: float) -> dict:
    latencies = sorted(latencies)
    return {
        "n": len(latencies), "errors": errors[:5], "rps": len(latencies) / wall,
        "p50": statistics.median(latencies), "p90": latencies[int(0.9 * (len(latencies) - 1))],
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
    }  # fmt: skip


def run_client(args) -> None:
    """Load-generator process: prints one JSON line of latencies (ms) per scenario and server."""
    servers = [tuple(item.split("=")) for item in args.servers.split(",")]  # label=port=token
    makers = {label: scenarios(args, label, random.Random(7)) for label, _, _ in servers}
    for name in makers[servers[0][0]]:
        if args.only and not any(part in name for part in args.only.split("|")):
            continue
        # In rounds, old and new taking turns, so a change in the machine's load falls on both alike.
        totals: dict[str, tuple[list, list, float]] = {label: ([], [], 0.0) for label, _, _ in servers}
        share = -(-args.requests // args.rounds)
        for _ in range(args.rounds):
            for label, port, token in servers:
                paths = [makers[label][name]() for _ in range(share + 10)]
                latencies, errors, wall = measure(int(port), token, paths, args.concurrency)
                done, failed, seconds = totals[label]
                totals[label] = (done + latencies, failed + errors, seconds + wall)
        for label, measured in totals.items():
            print(json.dumps({"scenario": name, "server": label, **summarize(*measured)}), flush=True)


def start_server(root: Path, env: dict, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "settings.wsgi:application", "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "30", "--access-logfile", "/dev/null"],
        cwd=root, env=env, start_new_session=True,
    )  # fmt: skip
    for _ in range(150):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            break
        except OSError:
            time.sleep(0.2)
    return server


def psql(db: str, sql: str, pg_port: int) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "-d", db, "-Atc", sql],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def report(rows: list[dict]) -> None:
    by = {(row["scenario"], row["server"]): row for row in rows}
    names = list(dict.fromkeys(row["scenario"] for row in rows))
    if any(row["server"] == "old" for row in rows):
        print("\nRatios (old / new: above 1 = the new code is faster)")
        print("| scenario | p50 old/new | p99 old/new |")
        print("|---|---|---|")
        for name in names:
            old, new = by[(name, "old")], by[(name, "new")]
            print(f"| {name} | {old['p50'] / new['p50']:.2f}x | {old['p99'] / new['p99']:.2f}x |")
    print("\nOn this machine (ms)")
    print("| scenario | server | n | req/s | p50 | p90 | p99 |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        errors = f" errors: {row['errors']}" if row["errors"] else ""
        print(f"| {row['scenario']} | {row['server']} | {row['n']} | {row['rps']:.0f} | {row['p50']:.1f} | "
              f"{row['p90']:.1f} | {row['p99']:.1f} |{errors}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="juke_bench_catalog")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--old-root", type=Path, help="A checkout of the old code (e.g. main) to run side by side.")
    parser.add_argument("--old-db", help="The old server's database, when its migrations differ (default: --db).")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--rounds", type=int, default=1, help="Old and new take turns this many times per scenario.")
    parser.add_argument("--only", help="Only the scenarios whose names contain one of these (separated by |).")
    parser.add_argument("--client", action="store_true")
    parser.add_argument("--servers")
    parser.add_argument("--deep-cursor")
    parser.add_argument("--max-id", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.client:
        run_client(args)
        return
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")  # cursor_encode imports DRF settings
    from bench.machine import machine_header  # noqa: PLC0415 - after sys.path and Django are set up by main()
    from catalog.pagination import cursor_encode  # noqa: PLC0415 - after sys.path and Django are set up by main()

    print(machine_header(), flush=True)
    env = server_env(args.db, args.pg_port)
    token, max_id = make_token(env)
    roots = [("new", ROOT, args.port, env, token)]
    if args.old_root:  # old first: its requests go out first in each scenario
        old_env = server_env(args.old_db or args.db, args.pg_port)
        roots.insert(0, ("old", args.old_root, args.port + 1, old_env, make_token(old_env)[0]))

    deep_cursor = cursor_encode(
        int(psql(args.db, f"select id from catalog_track order by id offset {DEEP_OFFSET - 1} limit 1", args.pg_port))
    )
    servers = {label: start_server(root, root_env, port, args.workers) for label, root, port, root_env, _ in roots}
    try:
        count = psql(args.db, "select count(*) from catalog_track", args.pg_port)
        client = subprocess.run(
            [PY, __file__, "--client", "--servers", ",".join(f"{label}={port}={key}" for label, _, port, _, key in roots),
             "--requests", str(args.requests), "--concurrency", str(args.concurrency), "--only", args.only or "", "--rounds", str(args.rounds),
             "--max-id", str(max_id), "--deep-cursor", deep_cursor],
            capture_output=True, text=True,
        )  # fmt: skip
        if client.returncode:
            raise SystemExit(f"load client failed:\n{client.stderr}")
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"catalog_track rows: {count}; gunicorn -w {args.workers} per server; client: {args.concurrency} threads, "
          f"{args.requests} requests per scenario and server (+10 warm-up), keep-alive")  # fmt: skip
    report([json.loads(line) for line in client.stdout.splitlines()])
    print(machine_header(end=True))


if __name__ == "__main__":
    sys.exit(main())
