"""CPU seconds used by a set of processes over a time window, read from /proc (Linux only).

A sampler polls the processes every `interval` seconds and remembers each one's last CPU reading, so a process
that exits inside the window loses at most one interval of CPU, and one born inside it counts from zero (a
gunicorn worker that replaces another pays its start-up here). Process groups are followed whole (a gunicorn
master and its workers). A parent's `cutime` is not read: it holds the whole lives of the children it reaped,
whose share of the window the sampler has already counted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from 3 (state) on; the name may hold spaces


def cpu_seconds(pid: int) -> float | None:
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[2]) == pgid:
                members.append(int(entry.name))
    return members


class CpuMeter:
    """CPU seconds per named part (e.g. "api": a process group, "postgres": backends found by a callback)."""

    def __init__(self, parts: dict[str, Callable[[], list[int]]], *, interval: float = 0.25) -> None:
        self._parts, self._interval = parts, interval
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._part_of: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, *, first: bool) -> None:
        for part, pids in self._parts.items():
            for pid in pids():
                seconds = cpu_seconds(pid)
                if seconds is None:
                    continue
                self._part_of[pid] = part
                if first:
                    self._first[pid] = seconds
                self._last[pid] = seconds

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample(first=False)

    def __enter__(self) -> CpuMeter:
        self._sample(first=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(first=False)

    def seconds_by_part(self) -> dict[str, float]:
        totals = dict.fromkeys(self._parts, 0.0)
        for pid, last in self._last.items():
            totals[self._part_of[pid]] += last - self._first.get(pid, 0.0)
        return totals
