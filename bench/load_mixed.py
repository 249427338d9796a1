"""Requests per second of the production-like stack on a mixed read workload, old code and new side by side.

For each code tree (`--old`, a checkout of an earlier commit, and this repository) the script makes its own
PostgreSQL database, migrates it with that tree's code, loads the demo catalog and trains the model
(`seed_demo`), signs in `--users` users and links each to the stub Spotify with a track playing, then starts
that tree's own `api` and `engine` lines from its Procfile (so each stack runs with the worker settings it
ships) on PostgreSQL + Redis and measures:

1. capacity: `wrk` (closed loop, `--connections` connections, `--seconds`) over the mix;
2. CPU per request: another closed-loop `wrk` run while /proc is read for the CPU seconds of every process of the
   stack (gunicorn master and workers, the engine, this database's PostgreSQL backends, the stack's own private
   Redis); requests per CPU second is capacity per core, and unlike req/s it hardly moves with other work on
   the machine;
3. open loop at 50% and 80% of that capacity: locust with one request per user per second
   (`constant_throughput(1)`, users = the target rate), p50/p95/p99 per endpoint, errors counted.

The mix, one fifth each: track search, artist detail, recommendations by artist, the caller's music
profile, playback state. The load generators run on the same two cores as the server: both stacks pay
that cost in the same way, so the ratio is the number to read.

    apt-get install wrk; python3 -m venv /tmp/juke-load && /tmp/juke-load/bin/pip install locust==2.32.4
    git worktree add --detach /tmp/juke-old <old commit> && ln -s $PWD/.venv /tmp/juke-old/.venv
    .venv/bin/python bench/load_mixed.py --old /tmp/juke-old
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.machine import machine_header  # noqa: E402
from bench.process_cpu import CpuMeter, group_members  # noqa: E402

LOCUST = os.environ.get("LOCUST", "/tmp/juke-load/bin/locust")
API_PORT, ENGINE_PORT, REDIS_PORT = 18801, 18802, 18803
SEARCH_WORDS = ["love", "night", "fire", "summer", "dance", "heart", "rain", "dream", "gold", "home"]

LOCUSTFILE = """
import itertools, json, os, random
from locust import FastHttpUser, constant_throughput, task

USERS = json.loads(os.environ["JUKE_LOAD_USERS"])
WORDS = json.loads(os.environ["JUKE_LOAD_WORDS"])
ARTISTS = json.loads(os.environ["JUKE_LOAD_ARTISTS"])
_next = itertools.count()


class Listener(FastHttpUser):
    wait_time = constant_throughput(1)

    def on_start(self):
        me = USERS[next(_next) % len(USERS)]
        self.auth = {"Authorization": "Token " + me["token"], "Accept": "application/json"}
        self.rng = random.Random(me["token"])

    @task
    def track_search(self):
        self.client.get("/api/v1/tracks/?q=" + self.rng.choice(WORDS) + "&limit=20", headers=self.auth,
                        name="track search")

    @task
    def artist_detail(self):
        self.client.get("/api/v1/artists/%d/" % self.rng.choice(ARTISTS)["id"], headers=self.auth,
                        name="artist detail")

    @task
    def recommendations(self):
        body = {"artists": [self.rng.choice(ARTISTS)["name"]], "limit": 10}
        self.client.post("/api/v1/recommendations/", json=body, headers=self.auth, name="recommendations")

    @task
    def profile(self):
        self.client.get("/api/v1/music-profiles/me/", headers=self.auth, name="profile")

    @task
    def playback_state(self):
        with self.client.get("/api/v1/playback/state/", headers=self.auth, name="playback state",
                             catch_response=True) as response:
            if response.status_code in (200, 204):
                response.success()
"""

WRK_SCRIPT = """
local users = {%(tokens)s}
local words = {%(words)s}
local artists = {%(artist_ids)s}
local names = {%(artist_names)s}
local n = 0
request = function()
  n = n + 1
  local headers = {["Authorization"] = "Token " .. users[(n %% #users) + 1], ["Accept"] = "application/json"}
  local kind = %(kind)s
  if kind == 0 then
    return wrk.format("GET", "/api/v1/tracks/?q=" .. words[(n %% #words) + 1] .. "&limit=20", headers)
  elseif kind == 1 then
    return wrk.format("GET", "/api/v1/artists/" .. artists[(n %% #artists) + 1] .. "/", headers)
  elseif kind == 2 then
    headers["Content-Type"] = "application/json"
    local body = '{"artists": ["' .. names[(n %% #names) + 1] .. '"], "limit": 10}'
    return wrk.format("POST", "/api/v1/recommendations/", headers, body)
  elseif kind == 3 then
    return wrk.format("GET", "/api/v1/music-profiles/me/", headers)
  end
  return wrk.format("GET", "/api/v1/playback/state/", headers)
end
local shown = 0
response = function(status, headers, body)
  if status >= 300 and shown < 3 then
    shown = shown + 1
    io.stderr:write("non-2xx: " .. status .. " " .. string.sub(body, 1, 160) .. "\\n")
  end
end
"""


def stack_env(tree: Path, label: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "DATABASE_URL", "CELERY_", "CACHE_"))}
    env.update(
        JUKE_RUNTIME_ENV="development",
        DJANGO_DEBUG="false",
        DJANGO_SETTINGS_MODULE="settings.base",
        POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT="5432",
        POSTGRES_USER="postgres",
        POSTGRES_NAME=f"juke_bench_load_{label}",
        CACHE_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        BACKEND_PORT=str(API_PORT),
        BACKEND_URL=f"http://127.0.0.1:{API_PORT}",
        RECOMMENDER_PORT=str(ENGINE_PORT),
        RECOMMENDER_ENGINE_BASE_URL=f"http://127.0.0.1:{ENGINE_PORT}",
        SPOTIFY_USE_STUB_DATA="true",
        SQLITE_PATH=str(Path(tempfile.gettempdir()) / f"juke-load-{label}.sqlite3"),
        AUTH_THROTTLE_LOGIN="100000/min",
        AUTH_THROTTLE_SOCIAL_LOGIN="100000/min",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(tree),
    )
    return env


def manage(tree: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [str(tree / ".venv/bin/python"), "manage.py", *args], cwd=tree, env=env, check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip


def prepare_database(tree: Path, env: dict[str, str], users: int) -> None:
    name = env["POSTGRES_NAME"]
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)
    manage(tree, env, "migrate", "--no-input")
    manage(tree, env, "seed_demo")
    manage(tree, env, "shell", "-c", (
        "from django.contrib.auth import get_user_model; U = get_user_model()\n"
        f"for i in range({users}):\n"
        "    U.objects.create_user(username=f'load{i}', email=f'load{i}@example.com', password='load-Juke-2026!')\n"
    ))  # fmt: skip


def procfile_command(tree: Path, process: str) -> str:
    for line in (tree / "Procfile").read_text().splitlines():
        if line.startswith(f"{process}:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"{tree}/Procfile has no {process}: line")


def start(tree: Path, env: dict[str, str], process: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["bash", "-c", f"exec {procfile_command(tree, process)}"], cwd=tree, env=env, start_new_session=True,
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def call(method: str, path: str, *, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{API_PORT}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw)
        except ValueError:
            return error.code, {"body": raw[:200].decode(errors="replace")}


def wait_until_up(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def sign_in_users(count: int) -> list[dict]:
    """A token per user, each linked to the stub Spotify with a track playing on a device."""
    users = []
    for i in range(count):
        status, body = call(
            "POST", "/api/v1/auth/api-auth-token/", body={"username": f"load{i}", "password": "load-Juke-2026!"}
        )
        if status != 200:
            raise SystemExit(f"sign-in of load{i} answered {status}")
        token = body["token"]
        call("POST", "/api/v1/auth/social-login/", token=token, body={"access_token": f"load-spotify-{i}"})
        _, devices = call("GET", "/api/v1/playback/devices/", token=token)
        device = (devices.get("devices") or [{}])[0].get("id")
        call("POST", "/api/v1/playback/play/", token=token,
             body={"device_id": device, "track_uri": "spotify:track:1IXGILkPm0tOCNeq00kCPa"})  # fmt: skip
        users.append({"token": token})
    return users


def catalog_sample(tree: Path, env: dict[str, str]) -> tuple[list[dict], list[str]]:
    out = manage(tree, env, "shell", "-c", (
        "import json; from catalog.models import Artist\n"
        "print(json.dumps(list(Artist.objects.filter(tracks__isnull=False).distinct()"
        ".order_by('id').values('id', 'name')[:200])))"
    ))  # fmt: skip
    artists = [a for a in json.loads(out.strip().splitlines()[-1]) if '"' not in a["name"] and "\\" not in a["name"]]
    return artists, SEARCH_WORDS


def check_every_endpoint(users: list[dict], artists: list[dict]) -> None:
    """Each request of the mix answers 2xx once before any load, or the run stops with what it answered."""
    token, artist = users[0]["token"], artists[0]
    probes = [
        ("GET", f"/api/v1/tracks/?q={SEARCH_WORDS[0]}&limit=20", None),
        ("GET", f"/api/v1/artists/{artist['id']}/", None),
        ("POST", "/api/v1/recommendations/", {"artists": [artist["name"]], "limit": 10}),
        ("GET", "/api/v1/music-profiles/me/", None),
        ("GET", "/api/v1/playback/state/", None),
    ]
    for method, path, body in probes:
        status, answer = call(method, path, token=token, body=body)
        if not 200 <= status < 300:
            raise SystemExit(f"{method} {path} answered {status} {answer} before any load")


def lua_list(values: list) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) for v in values)


ENDPOINTS = ["track search", "artist detail", "recommendations", "profile", "playback state"]


def measure_capacity(
    users: list[dict], artists: list[dict], connections: int, seconds: int, endpoint: int | None = None
) -> dict:
    """A closed-loop wrk run over the mix, or over one endpoint of it (an index into ENDPOINTS)."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(WRK_SCRIPT % {
        "kind": "n % 5" if endpoint is None else str(endpoint),
        "tokens": lua_list([u["token"] for u in users]), "words": lua_list(SEARCH_WORDS),
        "artist_ids": lua_list([a["id"] for a in artists]), "artist_names": lua_list([a["name"] for a in artists]),
    })  # fmt: skip
    completed = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{API_PORT}"], capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = completed.stdout + completed.stderr
    if completed.stderr.strip().startswith(str(script)) or " 0 requests in" in out:
        raise SystemExit(f"wrk could not run the mix: {out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    for line in out.splitlines():
        if line.startswith("non-2xx:"):
            print(line, flush=True)
    return {
        "rps": rps,
        "requests": requests,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def postgres_backends(database: str) -> Callable[[], list[int]]:
    connection = psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True)

    def pids() -> list[int]:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)).fetchall()
        return [pid for (pid,) in rows]

    return pids


def measure_cpu(
    users: list[dict],
    artists: list[dict],
    args: argparse.Namespace,
    parts: dict,
    leaders: set,
    endpoint: int | None = None,
) -> dict:
    """Requests answered and CPU seconds by part during one closed-loop wrk run (the mix, or one endpoint)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with CpuMeter(parts, leaders=leaders) as meter:
        run = measure_capacity(users, artists, args.connections, args.cpu_seconds, endpoint)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = meter.seconds_by_part()
    seconds["load generator (wrk)"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"requests": run["requests"], "rps": run["rps"], "non_2xx": run["non_2xx"], "cpu_seconds": seconds}


def measure_open_loop(users: list[dict], artists: list[dict], rate: int, seconds: int) -> list[dict]:
    workdir = Path(tempfile.mkdtemp(prefix="juke-locust-"))
    (workdir / "locustfile.py").write_text(LOCUSTFILE)
    env = {**os.environ, "JUKE_LOAD_USERS": json.dumps(users), "JUKE_LOAD_WORDS": json.dumps(SEARCH_WORDS),
           "JUKE_LOAD_ARTISTS": json.dumps(artists)}  # fmt: skip
    subprocess.run(
        [LOCUST, "-f", "locustfile.py", "--headless", "-u", str(rate), "-r", str(rate), "-t", f"{seconds}s",
         "--host", f"http://127.0.0.1:{API_PORT}", "--csv", "out", "--only-summary", "--loglevel", "ERROR"],
        cwd=workdir, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    with (workdir / "out_stats.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    shutil.rmtree(workdir, ignore_errors=True)
    return [
        {"endpoint": r["Name"], "n": int(r["Request Count"]), "errors": int(r["Failure Count"]),
         "rps": float(r["Requests/s"]), "p50": float(r["50%"]), "p95": float(r["95%"]), "p99": float(r["99%"])}
        for r in rows
    ]  # fmt: skip


def start_redis() -> subprocess.Popen:
    redis = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).returncode:
        if time.monotonic() > deadline:
            raise SystemExit(f"the private Redis on port {REDIS_PORT} did not start")
        time.sleep(0.1)
    return redis


def run_stack(label: str, tree: Path, args: argparse.Namespace) -> dict:
    env = stack_env(tree, label)
    print(f"[{label}] preparing database from {tree} ...", flush=True)
    prepare_database(tree, env, args.users)
    logs = Path(tempfile.mkdtemp(prefix=f"juke-load-{label}-"))
    redis = start_redis()
    processes = [start(tree, env, "engine", logs / "engine.log"), start(tree, env, "api", logs / "api.log"), redis]
    try:
        wait_until_up(f"http://127.0.0.1:{ENGINE_PORT}/health")
        wait_until_up(f"http://127.0.0.1:{API_PORT}/healthz")
        users = sign_in_users(args.users)
        artists, _ = catalog_sample(tree, env)
        check_every_endpoint(users, artists)
        measure_capacity(users, artists, args.connections, 5)  # warm-up: imports, caches, engine index
        capacity = measure_capacity(users, artists, args.connections, args.seconds)
        print(f"[{label}] capacity {capacity['rps']:.0f} req/s, non-2xx {capacity['non_2xx']}", flush=True)
        api, engine = processes[1].pid, processes[0].pid
        parts = {"api (gunicorn)": lambda: group_members(api), "engine": lambda: group_members(engine),
                 "postgres": postgres_backends(env["POSTGRES_NAME"]), "redis": lambda: [redis.pid]}  # fmt: skip
        cpu = measure_cpu(users, artists, args, parts, {api, engine})
        by_endpoint = {}
        if args.cpu_by_endpoint:
            for index, name in enumerate(ENDPOINTS):
                by_endpoint[name] = measure_cpu(users, artists, args, parts, {api, engine}, index)
        print(f"[{label}] CPU {1000 * sum(cpu['cpu_seconds'].values()) / cpu['requests']:.1f} ms per request",
              flush=True)  # fmt: skip
        open_loop = {}
        for share in (0.5, 0.8):
            rate = max(1, int(capacity["rps"] * share))
            open_loop[share] = measure_open_loop(users, artists, rate, args.seconds)
        return {
            "label": label,
            "api": procfile_command(tree, "api"),
            "capacity": capacity,
            "cpu": cpu,
            "cpu_by_endpoint": by_endpoint,
            "open_loop": open_loop,
        }
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _server_ms(cpu: dict) -> float:
    return 1000 * sum(v for p, v in cpu["cpu_seconds"].items() if p != "load generator (wrk)") / cpu["requests"]


def print_cpu(results: list[dict]) -> None:
    """CPU milliseconds per request by part; requests per CPU second is what one core serves."""
    parts = list(results[0]["cpu"]["cpu_seconds"])
    print(
        "\n| stack | requests | "
        + " | ".join(f"{p} ms/req" for p in parts)
        + " | server total ms/req | req per CPU s |"
    )
    print("|---" * (len(parts) + 4) + "|")
    per_core = {}
    for r in results:
        cpu = r["cpu"]
        per_request = {p: 1000 * cpu["cpu_seconds"][p] / cpu["requests"] for p in parts}
        server = sum(v for p, v in per_request.items() if p != "load generator (wrk)")
        per_core[r["label"]] = 1000 / server
        cells = " | ".join(f"{per_request[p]:.2f}" for p in parts)
        print(f"| {r['label']} | {cpu['requests']} | {cells} | {server:.2f} | {per_core[r['label']]:.0f} |")
    print(f"\nnew/old requests per server CPU second: {per_core['new'] / per_core['old']:.2f}x")
    if results[0]["cpu_by_endpoint"]:
        print("\n| endpoint alone | old server ms/req | new server ms/req | old/new |\n|---|---|---|---|")
        for name in ENDPOINTS:
            old, new = (_server_ms(r["cpu_by_endpoint"][name]) for r in results)
            print(f"| {name} | {old:.2f} | {new:.2f} | {old / new:.2f}x |")


def print_results(results: list[dict]) -> None:
    old, new = results
    print("\n| stack | capacity req/s | non-2xx |\n|---|---|---|")
    for r in results:
        print(f"| {r['label']} | {r['capacity']['rps']:.0f} | {r['capacity']['non_2xx']} |")
    print(f"\nnew/old capacity: {new['capacity']['rps'] / old['capacity']['rps']:.2f}x")
    print_cpu(results)
    for r in results:
        print(f"\n{r['label']}: `{r['api']}`")
        print(
            "| load | endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|---|---|---|"
        )
        for share, rows in r["open_loop"].items():
            for row in rows:
                print(f"| {int(share * 100)}% | {row['endpoint']} | {row['n']} | {row['errors']} | {row['rps']:.0f} | "
                      f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, required=True, help="checkout of the old code (with a .venv link)")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--cpu-seconds", type=int, default=20, help="length of the wrk run that CPU is read over")
    parser.add_argument(
        "--cpu-by-endpoint", action="store_true", help="also read CPU per request of each endpoint alone"
    )
    args = parser.parse_args()
    for tool in ("wrk", LOCUST):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: see the usage at the top of {__file__}")
    print(machine_header(), flush=True)
    results = [run_stack("old", args.old.resolve(), args), run_stack("new", ROOT, args)]
    raw = ROOT / "bench/out/load_mixed.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(results, indent=1))
    print_results(results)
    print(machine_header(end=True))


if __name__ == "__main__":
    main()
