"""HTTP latency of the catalog API on a large PostgreSQL catalog, through gunicorn.

Starts gunicorn (2 workers, settings.base, DEBUG off) on 127.0.0.1 against the bench database,
creates a bench user and token, then a separate load process (this script, `--client` mode, using
keep-alive connections from N threads) sends a bounded number of requests per scenario and reports
p50/p90/p99. Gunicorn is stopped at the end.

    .venv/bin/python bench/catalog_http.py --db juke_bench_catalog --requests 400 --concurrency 2
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
WORDS = ["love", "night", "fire", "summer", "dance", "heart", "rain", "dream", "gold", "home", "sugar", "paradise"]


def server_env(db: str) -> dict:
    env = {
        **os.environ,
        "POSTGRES_HOST": "127.0.0.1",
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


def run_client(args) -> None:
    """Load-generator process: prints one JSON line of latencies (ms) per scenario."""
    rng = random.Random(7)
    scenarios = {
        "GET /api/v1/tracks/?limit=20": lambda: "/api/v1/tracks/?limit=20",
        "GET /api/v1/tracks/?limit=20&offset=<0..10000>": lambda: (
            f"/api/v1/tracks/?limit=20&offset={rng.randrange(0, 10_000)}"
        ),
        "GET /api/v1/tracks/?q=<word>&limit=20": lambda: f"/api/v1/tracks/?q={rng.choice(WORDS)}&limit=20",
        "GET /api/v1/tracks/?q=<rare word pair>&limit=20": lambda: (
            f"/api/v1/tracks/?q={rng.choice(WORDS)}%20{rng.choice(WORDS)}&limit=20"
        ),
        "GET /api/v1/artists/?q=<word>&limit=20": lambda: f"/api/v1/artists/?q={rng.choice(WORDS)}&limit=20",
        "GET /api/v1/tracks/<id>/": lambda: f"/api/v1/tracks/{rng.randrange(1, args.max_id)}/",
    }
    headers = {"Authorization": f"Token {args.token}", "Accept": "application/json"}
    for name, make_path in scenarios.items():
        paths = [make_path() for _ in range(args.requests)]
        latencies: list[float] = []
        errors = []
        lock = threading.Lock()

        def worker(chunk, latencies=latencies, errors=errors, lock=lock):
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
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

        # warm-up (not measured)
        worker([make_path() for _ in range(10)])
        latencies.clear()
        threads = [
            threading.Thread(target=worker, args=(paths[i :: args.concurrency],)) for i in range(args.concurrency)
        ]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall
        latencies.sort()
        print(json.dumps({
            "scenario": name, "n": len(latencies), "errors": errors[:5], "rps": len(latencies) / wall,
            "p50": statistics.median(latencies), "p90": latencies[int(0.9 * (len(latencies) - 1))],
            "p99": latencies[int(0.99 * (len(latencies) - 1))],
        }), flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="juke_bench_catalog")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--client", action="store_true")
    parser.add_argument("--token")
    parser.add_argument("--max-id", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.client:
        run_client(args)
        return
    env = server_env(args.db)
    token, max_id = make_token(env)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "settings.wsgi:application", "-w", str(args.workers),
         "-b", f"127.0.0.1:{args.port}", "--log-level", "warning", "--keep-alive", "30"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        count = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", args.db, "-Atc", "select count(*) from catalog_track"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        client = subprocess.run(
            [PY, __file__, "--client", "--port", str(args.port), "--token", token, "--requests", str(args.requests),
             "--concurrency", str(args.concurrency), "--max-id", str(max_id)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"catalog_track rows: {count}; gunicorn -w {args.workers}; client: {args.concurrency} threads, "
          f"{args.requests} requests per scenario (+10 warm-up), keep-alive")  # fmt: skip
    print(f"| {'scenario':<50} | {'n':>5} | {'req/s':>6} | {'p50 ms':>7} | {'p90 ms':>7} | {'p99 ms':>7} |")
    print(f"|{'-' * 52}|{'-' * 7}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for line in client.stdout.splitlines():
        row = json.loads(line)
        print(f"| {row['scenario']:<50} | {row['n']:>5} | {row['rps']:>6.0f} | {row['p50']:>7.1f} | {row['p90']:>7.1f} | {row['p99']:>7.1f} |"
              + (f" errors: {row['errors']}" if row["errors"] else ""))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
