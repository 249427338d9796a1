"""The header every benchmark prints: the machine, and the load average at the start and the end of the run.

Absolute times on shared machines vary 2-3x from run to run, so a result without its machine and load is
not comparable; ratios measured in the same run are the numbers to quote.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_header(*, end: bool = False) -> str:
    """One line: when, CPU model, cores, memory, Python, load average (1/5/15 min)."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    if end:
        return f"# end {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC; load average {load}"
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 0
    return (
        f"# start {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC; {cpu_model()}, {os.cpu_count()} cores, "
        f"{pages / 2**30:.0f} GiB; Python {platform.python_version()}; load average {load}"
    )
