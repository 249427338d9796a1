"""`make stack`'s supervisor (scripts/stack.py): a process killed with SIGKILL is restarted on its own, the
others keep running untouched, and SIGTERM to the supervisor stops them all."""

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.integration.fault_helpers import REPO_ROOT, wait_until

pytestmark = pytest.mark.integration

SLEEPER = "{python} -u -c \"import time; print('{name} up', flush=True); time.sleep(600)\""


class RunningStack:
    def __init__(self, procfile: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "scripts/stack.py", str(procfile)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def pids(self, name: str) -> list[int]:
        pattern = re.compile(rf" {name} +\| started with pid (\d+)")
        return [int(match.group(1)) for line in list(self.lines) if (match := pattern.search(line))]

    def output(self) -> str:
        return "".join(self.lines)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (killed, not yet reaped by the supervisor) is not alive.
    return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]


@pytest.fixture
def stack(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        "\n".join(f"{name}: {SLEEPER.format(python=sys.executable, name=name)}" for name in ("engine", "api", "worker"))
        + "\n"
    )
    running = RunningStack(procfile)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=10)


def test_a_killed_process_is_restarted_alone_and_sigterm_stops_everything(stack):
    wait_until(lambda: all(stack.pids(name) for name in ("engine", "api", "worker")), timeout=15, what="the stack")
    first_engine, api, worker = stack.pids("engine")[0], stack.pids("api")[0], stack.pids("worker")[0]

    os.kill(first_engine, signal.SIGKILL)
    wait_until(lambda: len(stack.pids("engine")) == 2, timeout=10, what="the engine restarted")

    restarted_engine = stack.pids("engine")[1]
    assert restarted_engine != first_engine
    assert _alive(restarted_engine)
    assert _alive(api)
    assert _alive(worker)
    assert stack.pids("api") == [api]
    assert stack.pids("worker") == [worker]
    assert "engine" in stack.output()
    assert "exited with code -9" in stack.output()

    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(timeout=30) == 0
    assert not any(_alive(pid) for pid in (restarted_engine, api, worker))
