"""Errors of the recommender app (see core.errors for how each kind becomes an HTTP answer)."""

from core.errors import DomainError, ErrorKind


class EngineUnavailable(DomainError):
    """The engine is down, hung or failing (or its circuit is open): retry later."""

    kind = ErrorKind.UNAVAILABLE
    default_detail = "Recommendations are temporarily unavailable. Please try again."
    default_code = "engine_unavailable"


class EngineBadAnswer(DomainError):
    """The engine answered with something we cannot use."""

    kind = ErrorKind.BAD_UPSTREAM
    default_detail = "An upstream service answered with an error. Please try again."
    default_code = "bad_gateway"
