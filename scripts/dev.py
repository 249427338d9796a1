"""`make run`: the API, the recommender engine and task execution, on the settings in `.env`.

With no CELERY_BROKER_URL (the embedded default) tasks run inline in the API process; with one, a
Celery worker and beat are started too. Ctrl-C stops everything.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        sys.exit(f"{name} must be a port number (1-65535), got {raw!r}.")
    return int(raw)


def _wait_for(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> None:
    load_dotenv(ROOT / ".env", override=False)
    host = os.environ.get("BACKEND_HOST", "127.0.0.1")
    backend_port = _port("BACKEND_PORT", 8000)
    engine_port = _port("RECOMMENDER_PORT", 9000)
    os.environ.setdefault("RECOMMENDER_ENGINE_BASE_URL", f"http://127.0.0.1:{engine_port}")
    os.environ.setdefault("BACKEND_URL", f"http://{host}:{backend_port}")

    commands = {
        "engine": [
            str(BIN / "uvicorn"),
            "recommender_engine.app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(engine_port),
            "--log-level",
            "warning",
        ],
        "api": [sys.executable, "manage.py", "runserver", f"{host}:{backend_port}"],
    }
    if os.environ.get("CELERY_BROKER_URL", "").strip():
        commands["worker"] = [
            str(BIN / "celery"),
            "-A",
            "settings.celery",
            "worker",
            "-Q",
            "default,catalog,recommender",
            "-l",
            "info",
        ]
        commands["beat"] = [str(BIN / "celery"), "-A", "settings.celery", "beat", "-l", "info"]

    processes = {name: subprocess.Popen(cmd, cwd=ROOT, start_new_session=True) for name, cmd in commands.items()}

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

    base = f"http://{host}:{backend_port}"
    api_up = _wait_for(f"{base}/healthz", 60)
    engine_up = _wait_for(f"http://127.0.0.1:{engine_port}/health", 30)
    tasks = "Celery worker + beat" if "worker" in processes else "inline (no broker configured)"
    sqlite_path = Path(os.environ.get("SQLITE_PATH", "").strip() or ROOT / "var" / "juke.sqlite3")
    credentials = (ROOT / sqlite_path).parent / "admin-credentials.txt"
    print(
        "\n"
        f"  Juke is {'running' if api_up else 'NOT answering yet (see the log above)'}\n"
        f"  API root      {base}/api/v1/\n"
        f"  API docs      {base}/api/docs/\n"
        f"  Admin         {base}/admin/  ({credentials.read_text().strip() if credentials.exists() else 'createsuperuser'})\n"
        f"  Health        {base}/healthz\n"
        f"  Engine        http://127.0.0.1:{engine_port}/health  ({'up' if engine_up else 'not answering'})\n"
        f"  Tasks         {tasks}\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
    while True:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with code {process.returncode}; stopping.", file=sys.stderr)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
