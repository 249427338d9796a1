"""`make stack`'s supervisor: run every Procfile process and restart each one on its own when it exits.

    python scripts/stack.py [Procfile]

Unlike honcho (which stops everything when one process dies), a crash costs only that process until it is
back: a dead engine costs recommendations, a dead worker costs background work, nothing else stops. A process
that keeps failing is restarted with a growing delay (1 s doubling to 30 s; back to 1 s once it has run for
a minute). Ctrl-C or SIGTERM stops everything: SIGTERM to each process group, SIGKILL after 15 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

REPO_ROOT = Path(__file__).resolve().parent.parent
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 60.0
STOP_GRACE_SECONDS = 15.0


@dataclass
class Program:
    name: str
    command: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    delay: float = FIRST_DELAY_SECONDS
    restarts: int = 0
    output: threading.Thread | None = field(default=None, repr=False)


def read_procfile(path: Path) -> list[Program]:
    """`name: command` lines; blank lines and `#` comments are skipped."""
    programs = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, command = line.partition(":")
        if not separator or not name.strip() or not command.strip():
            sys.exit(f"{path}:{number}: expected 'name: command', got {line!r}")
        programs.append(Program(name=name.strip(), command=command.strip()))
    return programs


def say(name: str, text: str, width: int) -> None:
    sys.stdout.write(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {text}\n")
    sys.stdout.flush()


class Supervisor:
    def __init__(self, programs: list[Program]) -> None:
        self.programs = programs
        self.width = max(len(program.name) for program in [*programs, Program("stack", "")])
        self.stopping = threading.Event()

    def start(self, program: Program) -> None:
        program.process = subprocess.Popen(  # noqa: S603 - our own fixed command line, no shell
            ["/bin/sh", "-c", f"exec {program.command}"],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a signal reaches the process and its children
        )
        program.started_at = time.monotonic()
        program.output = threading.Thread(target=self._relay, args=(program, program.process), daemon=True)
        program.output.start()
        say(program.name, f"started with pid {program.process.pid}", self.width)

    def _relay(self, program: Program, process: subprocess.Popen) -> None:
        if process.stdout is None:  # started without a pipe: nothing to relay
            return
        for line in iter(process.stdout.readline, b""):
            say(program.name, line.decode(errors="replace").rstrip(), self.width)

    def check(self, program: Program, now: float) -> None:
        """Schedule a restart for a program that exited, and restart it once its delay has passed."""
        if program.process is not None and program.process.poll() is not None:
            code = program.process.returncode
            if now - program.started_at >= HEALTHY_AFTER_SECONDS:
                program.delay = FIRST_DELAY_SECONDS
            program.restart_at = now + program.delay
            say(program.name, f"exited with code {code}; restarting in {program.delay:.0f} s", self.width)
            program.delay = min(program.delay * 2, MAX_DELAY_SECONDS)
            program.process = None
        elif program.process is None and now >= program.restart_at:
            program.restarts += 1
            self.start(program)

    def run(self) -> None:
        for program in self.programs:
            self.start(program)
        while not self.stopping.wait(0.2):
            now = time.monotonic()
            for program in self.programs:
                self.check(program, now)
        self.stop_all()

    def stop_all(self) -> None:
        running = [program.process for program in self.programs if program.process and program.process.poll() is None]
        say("stack", f"stopping {len(running)} processes", self.width)
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
        os.killpg(process.pid, signum)


def main() -> None:
    # Like honcho: the processes see .env's variables (the Procfile expands BACKEND_PORT and others); real ones win.
    load_dotenv(REPO_ROOT / ".env", override=False)
    procfile = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO_ROOT / "Procfile"
    supervisor = Supervisor(read_procfile(procfile))
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: supervisor.stopping.set())
    supervisor.run()


if __name__ == "__main__":
    main()
