"""`make run`: the API, the recommender engine and task execution, on the settings in `.env`.

With no CELERY_BROKER_URL (the embedded default) tasks run inline in the API process; with one, a
Celery worker and beat are started too. Ctrl-C stops everything. The engine is reported "up" only when
the API itself reaches it (its /healthz), at the URL the API is configured with.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import Field  # noqa: E402

from settings.engine import Engine  # noqa: E402
from settings.environment import EnvironmentSettings, read_environment  # noqa: E402

BIN = Path(sys.executable).parent
ENGINE_START_SECONDS = 30
API_START_SECONDS = 60
# After the engine answers on its port, how long the API gets to reach it before we say it cannot.
ENGINE_FROM_API_SECONDS = 10


class DevRunner(EnvironmentSettings):
    BACKEND_HOST: str = "127.0.0.1"
    BACKEND_PORT: Annotated[int, Field(ge=1, le=65535)] = 8000
    BACKEND_URL: str = ""
    CELERY_BROKER_URL: str = ""
    SQLITE_PATH: Path = ROOT / "var" / "juke.sqlite3"


def _get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - a fixed http:// URL of our own process
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (OSError, ValueError):
        return 0, {}


def _wait_until(check, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def _commands(runner: DevRunner, engine: Engine) -> dict[str, list[str]]:
    commands = {
        "engine": [
            str(BIN / "uvicorn"),
            "recommender_engine.app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(engine.RECOMMENDER_PORT),
            "--log-level",
            "warning",
        ],
        "api": [sys.executable, "manage.py", "runserver", f"{runner.BACKEND_HOST}:{runner.BACKEND_PORT}"],
    }
    if runner.CELERY_BROKER_URL:
        celery = [str(BIN / "celery"), "-A", "settings.celery"]
        commands["worker"] = [*celery, "worker", "-Q", "default,catalog,recommender", "-l", "info"]
        commands["beat"] = [*celery, "beat", "-l", "info"]
    return commands


def engine_status(api_base: str, engine: Engine) -> str:
    """Whether the API reaches the engine: asked of the API's own /healthz, not of the engine's port."""
    own_health = f"http://127.0.0.1:{engine.RECOMMENDER_PORT}/health"
    if not _wait_until(lambda: _get_json(own_health)[0] == 200, ENGINE_START_SECONDS):
        return f"NOT answering on port {engine.RECOMMENDER_PORT} (see the log above)"

    def api_reaches_engine() -> bool:
        return _get_json(f"{api_base}/healthz")[1].get("components", {}).get("engine", {}).get("status") == "ok"

    if _wait_until(api_reaches_engine, ENGINE_FROM_API_SECONDS):
        return f"up, reached by the API at {engine.base_url}"
    fix = (
        "RECOMMENDER_ENGINE_BASE_URL is set (in .env or the environment): remove it to follow RECOMMENDER_PORT"
        if engine.RECOMMENDER_ENGINE_BASE_URL
        else "see the API log above"
    )
    return (
        f"NOT reachable by the API at {engine.base_url} (it runs on port {engine.RECOMMENDER_PORT}): "
        f"recommendations will answer 503. {fix}."
    )


def _banner(runner: DevRunner, api_base: str, api_up: bool, engine: str, tasks: str) -> str:
    credentials = (ROOT / runner.SQLITE_PATH).parent / "admin-credentials.txt"
    admin = credentials.read_text().strip() if credentials.exists() else "createsuperuser"
    return (
        "\n"
        f"  Juke is {'running' if api_up else 'NOT answering yet (see the log above)'}\n"
        f"  API root      {api_base}/api/v1/\n"
        f"  API docs      {api_base}/api/docs/  (ReDoc: {api_base}/api/redoc/)\n"
        f"  Admin         {api_base}/admin/  ({admin})\n"
        f"  Health        {api_base}/healthz\n"
        f"  Engine        {engine}\n"
        f"  Tasks         {tasks}\n"
        "  Ctrl-C stops everything.\n"
    )


def main() -> None:
    runner = read_environment(DevRunner)
    engine = read_environment(Engine)
    api_base = f"http://{runner.BACKEND_HOST}:{runner.BACKEND_PORT}"
    if not runner.BACKEND_URL:
        os.environ["BACKEND_URL"] = api_base

    processes = {
        name: subprocess.Popen(cmd, cwd=ROOT, start_new_session=True)  # noqa: S603 - our own fixed command line
        for name, cmd in _commands(runner, engine).items()
    }

    def stop(*_args) -> None:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        print("\nJuke stopped.")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    api_up = _wait_until(lambda: _get_json(f"{api_base}/healthz")[0] != 0, API_START_SECONDS)
    engine_line = engine_status(api_base, engine) if api_up else "not checked: the API is not answering"
    tasks = "Celery worker + beat" if "worker" in processes else "inline (no broker configured)"
    print(_banner(runner, api_base, api_up, engine_line, tasks), flush=True)
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with code {process.returncode}; stopping.", file=sys.stderr)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
