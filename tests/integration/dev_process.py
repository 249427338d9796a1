"""Start `scripts/dev.py` (what `make run` runs) as a subprocess on a private SQLite file and ports."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def dev_environment(tmp_path: Path, **env_overrides: str) -> dict[str, str]:
    """The environment of a fresh checkout: no .env, no services, a SQLite file under tmp_path."""
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    env.update(JUKE_ENV_FILE=os.devnull, SQLITE_PATH=str(tmp_path / "juke.sqlite3"), **env_overrides)
    return env


@contextlib.contextmanager
def dev_runner(tmp_path: Path, env: dict[str, str]) -> Iterator[tuple[subprocess.Popen, Path]]:
    """Run scripts/dev.py with its output in tmp_path/dev.log; SIGTERM on exit (dev.py stops its children)."""
    log_path = tmp_path / "dev.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "scripts/dev.py"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process, log_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_line(process: subprocess.Popen, log_path: Path, prefix: str, timeout: float) -> str | None:
    """The first line of the log starting with prefix, waiting up to timeout; None if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.startswith(prefix)]
        if lines:
            return lines[0]
        time.sleep(0.5)
    return None
