"""A circuit breaker for calls to a dependency that can hang: after repeated failures, fail at once for a while.

State is per process (each gunicorn worker learns on its own, after `failure_threshold` failures), shared by the
threads of that process. Closed: calls go through. Open: calls are refused for `cooldown_seconds`. Then
half-open: one call goes through as a probe (the others are still refused); its success closes the circuit,
its failure opens it again for another cool-down.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)


class CircuitOpen(Exception):
    """The dependency failed repeatedly: the call was not made. `retry_after`: seconds until the next probe."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"{name}: circuit open, next probe in {retry_after:.1f} s")
        self.retry_after = retry_after


class CircuitBreaker:
    def __init__(self, name: str, *, failure_threshold: int = 3, cooldown_seconds: float = 10.0) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_seconds = cooldown_seconds
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._cooldown_left() <= 0 else "open"

    def _cooldown_left(self) -> float:
        return self._opened_at + self.cooldown_seconds - time.monotonic() if self._opened_at is not None else 0.0

    def before_call(self) -> None:
        """Raise CircuitOpen unless the call may go ahead (closed, or the one probe of a half-open circuit)."""
        with self._lock:
            if self._opened_at is None:
                return
            left = self._cooldown_left()
            if left > 0 or self._probe_in_flight:
                raise CircuitOpen(self.name, max(left, 1.0))
            self._probe_in_flight = True

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                logger.info("%s answers again: circuit closed", self.name)
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            probe_failed = self._probe_in_flight
            self._probe_in_flight = False
            if probe_failed or (self._opened_at is None and self._failures >= self.failure_threshold):
                self._opened_at = time.monotonic()
                logger.warning(
                    "%s failed %d times in a row: circuit open, calls refused for %.0f s",
                    self.name, self._failures, self.cooldown_seconds,
                )  # fmt: skip
