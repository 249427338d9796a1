"""What every bench prints around its numbers: the machine, and the load before and after (bench/RESULTS.md).

    from bench.machine import BenchRun      # after sys.path.insert(0, <repo root>), as the bench scripts do

    with BenchRun("engine top-k") as run:
        ...                                  # measure, print tables
    # prints "machine: 2 cores, AMD EPYC ...; load average at start 0.61 0.80 0.70" first and the end load last

Absolute times only mean something next to these lines; compare ratios measured in the same run.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else what the platform module knows."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or 'unknown' where the OS does not report them."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine_line() -> str:
    cores = os.cpu_count() or 0
    return (
        f"machine: {cores} cores, {cpu_model()}, {platform.machine()}, Python {sys.version.split()[0]}, "
        f"{platform.system()} {platform.release()}"
    )


class BenchRun:
    """Prints the machine and the load average when entered, the load average again when left."""

    def __init__(self, title: str):
        self.title = title

    def __enter__(self) -> BenchRun:
        print(f"{self.title}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
        print(machine_line(), flush=True)
        print(f"load average at start (1/5/15 min): {load_average()}", flush=True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        print(f"load average at end (1/5/15 min): {load_average()}, {datetime.now(UTC):%H:%M} UTC", flush=True)
