"""One production-like stack for bench/load_mixed.py: its own PostgreSQL database, private Redis, ports, the
`api` and `engine` lines of its tree's Procfile, signed-in users linked to the stub Spotify."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psycopg

from bench.process_cpu import group_members

SEARCH_WORDS = ["love", "night", "fire", "summer", "dance", "heart", "rain", "dream", "gold", "home"]
PORTS = {"old": (18801, 18802, 18803), "new": (18811, 18812, 18813)}  # api, engine, private Redis


def stack_env(tree: Path, label: str) -> dict[str, str]:
    api_port, engine_port, redis_port = PORTS[label]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "DATABASE_URL", "CELERY_", "CACHE_"))}
    env.update(
        JUKE_RUNTIME_ENV="development",
        DJANGO_DEBUG="false",
        DJANGO_SETTINGS_MODULE="settings.base",
        POSTGRES_HOST="127.0.0.1",
        POSTGRES_PORT="5432",
        POSTGRES_USER="postgres",
        POSTGRES_NAME=f"juke_bench_load_{label}",
        CACHE_URL=f"redis://127.0.0.1:{redis_port}/0",
        BACKEND_PORT=str(api_port),
        BACKEND_URL=f"http://127.0.0.1:{api_port}",
        RECOMMENDER_PORT=str(engine_port),
        RECOMMENDER_ENGINE_BASE_URL=f"http://127.0.0.1:{engine_port}",
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


def call(api: str, method: str, path: str, *, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{api}{path}", data=data, headers=headers, method=method)
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


def sign_in_users(api: str, count: int) -> list[dict]:
    """A token per user, each linked to the stub Spotify with a track playing on a device."""
    users = []
    for i in range(count):
        status, body = call(
            api, "POST", "/api/v1/auth/api-auth-token/", body={"username": f"load{i}", "password": "load-Juke-2026!"}
        )
        if status != 200:
            raise SystemExit(f"sign-in of load{i} answered {status}")
        token = body["token"]
        call(api, "POST", "/api/v1/auth/social-login/", token=token, body={"access_token": f"load-spotify-{i}"})
        _, devices = call(api, "GET", "/api/v1/playback/devices/", token=token)
        device = (devices.get("devices") or [{}])[0].get("id")
        call(api, "POST", "/api/v1/playback/play/", token=token,
             body={"device_id": device, "track_uri": "spotify:track:1IXGILkPm0tOCNeq00kCPa"})  # fmt: skip
        users.append({"token": token})
    return users


def catalog_sample(tree: Path, env: dict[str, str]) -> list[dict]:
    out = manage(tree, env, "shell", "-c", (
        "import json; from catalog.models import Artist\n"
        "print(json.dumps(list(Artist.objects.filter(tracks__isnull=False).distinct()"
        ".order_by('id').values('id', 'name')[:200])))"
    ))  # fmt: skip
    artists = [a for a in json.loads(out.strip().splitlines()[-1]) if '"' not in a["name"] and "\\" not in a["name"]]
    return artists


def check_every_endpoint(api: str, users: list[dict], artists: list[dict]) -> None:
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
        status, answer = call(api, method, path, token=token, body=body)
        if not 200 <= status < 300:
            raise SystemExit(f"{method} {path} answered {status} {answer} before any load")


def start_redis(port: int) -> subprocess.Popen:
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode:
        if time.monotonic() > deadline:
            raise SystemExit(f"the private Redis on port {port} did not start")
        time.sleep(0.1)
    return redis


def postgres_backends(database: str) -> Callable[[], list[int]]:
    connection = psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True)

    def pids() -> list[int]:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)).fetchall()
        return [pid for (pid,) in rows]

    return pids


class Stack:
    """Prepared with `prepare()`, running between `start()` and `stop()`; `parts` names its processes for CpuMeter."""

    def __init__(self, label: str, tree: Path, users: int) -> None:
        self.label, self.tree, self.user_count = label, tree, users
        self.env = stack_env(tree, label)
        self.api = f"http://127.0.0.1:{PORTS[label][0]}"
        self.processes: list[subprocess.Popen] = []
        self.users: list[dict] = []
        self.artists: list[dict] = []

    def prepare(self) -> None:
        prepare_database(self.tree, self.env, self.user_count)

    def start(self) -> None:
        logs = Path(tempfile.mkdtemp(prefix=f"juke-load-{self.label}-"))
        self.redis = start_redis(PORTS[self.label][2])
        self.engine = start(self.tree, self.env, "engine", logs / "engine.log")
        self.api_process = start(self.tree, self.env, "api", logs / "api.log")
        self.processes = [self.engine, self.api_process, self.redis]
        wait_until_up(f"http://127.0.0.1:{PORTS[self.label][1]}/health")
        wait_until_up(f"{self.api}/healthz")
        self.users = sign_in_users(self.api, self.user_count)
        self.artists = catalog_sample(self.tree, self.env)
        check_every_endpoint(self.api, self.users, self.artists)

    def cpu_parts(self) -> dict[str, Callable[[], list[int]]]:
        api, engine, redis = self.api_process.pid, self.engine.pid, self.redis.pid
        parts = {
            "api (gunicorn)": lambda: group_members(api),
            "engine": lambda: group_members(engine),
            "postgres": postgres_backends(self.env["POSTGRES_NAME"]),
            "redis": lambda: [redis],
        }
        return parts

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=30)
