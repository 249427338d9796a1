"""Private services for fault tests: a Redis, a PostgreSQL cluster and a gunicorn API each test may stop,
kill or restart for real. The shared services of the machine are never touched."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.conftest import require_service
from tests.plugins.engine_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition()` until it returns a truthy value; raise AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what}: not after {timeout} s")


class PrivateRedis:
    """A throw-away redis-server (no persistence) on a free port; `stop()` makes it vanish like a crash."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=10, what=f"private Redis on port {self.port}")

    def answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def private_redis():
    if not shutil.which("redis-server"):
        require_service("redis-server", "fault tests start a private Redis (apt-get install redis-server)")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class PrivatePostgres:
    """A throw-away PostgreSQL 15 cluster (trust auth, a free port) in a temporary directory."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="juke-pg-"))
        # PostgreSQL refuses to run as root: then the cluster belongs to the system's `postgres` user.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.run_as:
            shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [
                *self.run_as,
                str(POSTGRES_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-w",
                "-t",
                "30",
                *args,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def create(self) -> None:
        subprocess.run(
            [
                *self.run_as,
                str(POSTGRES_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.directory}'\nfsync = off\n"
            )
        self.start()

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        """Restart the server: every open connection is cut, as in a failover or an upgrade."""
        self._pg_ctl("-m", "fast", "restart")

    def accepts_connections(self) -> bool:
        command = [str(POSTGRES_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def private_postgres():
    if not (POSTGRES_BIN / "initdb").exists():
        require_service("PostgreSQL 15 binaries", f"fault tests run a private cluster with {POSTGRES_BIN}/initdb")
    cluster = PrivatePostgres()
    cluster.create()
    try:
        yield cluster
    finally:
        cluster.destroy()


def http_get(
    url: str, *, headers: dict[str, str] | None = None, timeout: float = 30.0, data: bytes | None = None
) -> tuple[int, bytes, float]:
    """GET `url` (POST when `data` is given); returns (status, body, seconds taken), 4xx/5xx included."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read(), time.monotonic() - started


class Gunicorn:
    """The API under gunicorn with the repository's gunicorn.conf.py, as `make stack` runs it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.base", "JUKE_RUNTIME_ENV": "development", **env}
        self.env.pop("DATABASE_URL", None)
        self.log_path = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "settings.wsgi:application", "--bind", f"127.0.0.1:{self.port}"],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log()}")
            try:
                return http_get(f"{self.base_url}/healthz", timeout=5)[0] in (200, 503)
            except OSError:
                return False

        wait_until(up, timeout=60, what=f"gunicorn on port {self.port}", interval=0.3)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@contextmanager
def gunicorn(env: dict[str, str]):
    server = Gunicorn(env)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class PreforkWorker:
    """A Celery worker as production runs it (prefork pool: a main process and its children), on the broker and
    database of the `celery_worker` fixture's environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.log_path = Path(tempfile.mkstemp(prefix="celery-prefork-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        offset = self.log_path.stat().st_size
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "settings.celery", "worker", "--pool=prefork",
                 "--concurrency=1", "--loglevel=INFO", "-Q", "default,catalog,recommender",
                 "--hostname", f"prefork-{os.getpid()}-{time.monotonic_ns()}@%h", "--without-gossip", "--without-mingle"],
                cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"Celery worker exited:\n{self.log()}")
            return b" ready." in self.log_path.read_bytes()[offset:]

        wait_until(ready, timeout=60, what="the prefork Celery worker", interval=0.2)

    def kill_main_process(self) -> None:
        """SIGKILL the main process only, as the OOM killer would; its pool children die with it (pdeathsig)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
