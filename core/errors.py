"""The base of every domain error. Services, selectors and adapters raise subclasses defined per app
(`<app>/errors.py`); they never import DRF. `core.exceptions.api_exception_handler` is the one place that
turns a domain error into an HTTP answer, by its `kind`; tasks and commands catch the same classes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorKind(StrEnum):
    """What went wrong, in terms a caller can act on; core maps each kind to one HTTP status."""

    INVALID = "invalid"  # the caller's input breaks a rule: fix it and retry
    NOT_AUTHENTICATED = "not_authenticated"
    FORBIDDEN = "forbidden"  # known caller, not theirs to do
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # the input is fine but clashes with the current state
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"  # a dependency is down: retry later
    BAD_UPSTREAM = "bad_upstream"  # a dependency answered with something we cannot use


class DomainError(Exception):
    """An error with a message for the client developer and a stable machine-readable `code`.

    `field`: the input field at fault; the HTTP body is then `{field: [detail]}` like a form error.
    `extra`: more keys for the body (e.g. a provider's `reason`). `retry_after`: seconds, for 429/503.
    """

    kind: ClassVar[ErrorKind] = ErrorKind.INVALID
    default_detail: ClassVar[str] = "The request cannot be served."
    default_code: ClassVar[str] = "invalid"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.field = field
        self.extra = extra or {}
        self.retry_after = retry_after
        super().__init__(self.detail)
