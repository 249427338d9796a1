"""`make run` (scripts/dev.py) says the engine is up only when the API itself reaches it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.plugins.engine_server import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
BANNER_TIMEOUT_SECONDS = 150


def run_dev_until_banner(tmp_path: Path, **env_overrides: str) -> str:
    """Start scripts/dev.py, return its "Engine" banner line, then stop it (SIGTERM stops its children)."""
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
    env.update(JUKE_ENV_FILE=os.devnull, SQLITE_PATH=str(tmp_path / "juke.sqlite3"), **env_overrides)
    log_path = tmp_path / "dev.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "scripts/dev.py"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + BANNER_TIMEOUT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            engine_lines = [line for line in log_path.read_text().splitlines() if line.startswith("  Engine ")]
            if engine_lines:
                return engine_lines[0]
            time.sleep(0.5)
        pytest.fail(f"no banner from scripts/dev.py:\n{log_path.read_text()[-3000:]}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.integration
def test_an_engine_the_api_cannot_reach_is_not_reported_up(tmp_path):
    engine_port, elsewhere = free_port(), free_port()

    line = run_dev_until_banner(
        tmp_path,
        BACKEND_PORT=str(free_port()),
        RECOMMENDER_PORT=str(engine_port),
        RECOMMENDER_ENGINE_BASE_URL=f"http://127.0.0.1:{elsewhere}",
    )

    assert "(up)" not in line
    assert " up," not in line
    assert f"NOT reachable by the API at http://127.0.0.1:{elsewhere}" in line
    assert "RECOMMENDER_ENGINE_BASE_URL" in line


@pytest.mark.integration
def test_the_engine_on_a_changed_port_is_reached_by_the_api(tmp_path):
    engine_port = free_port()

    line = run_dev_until_banner(tmp_path, BACKEND_PORT=str(free_port()), RECOMMENDER_PORT=str(engine_port))

    assert f"up, reached by the API at http://127.0.0.1:{engine_port}" in line
