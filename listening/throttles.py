"""Rate limits of the ListenBrainz API under /1/, counted by DRF's cache throttle and told the ListenBrainz way.

ListenBrainz limits a caller per valid token, or else per address, within a window of seconds, and reports
the state on every response (X-RateLimit-Limit, -Remaining, -Reset-In, -Reset); scrobblers such as
liblistenbrainz pace themselves from those headers. Our window slides (DRF keeps the times of the requests
it counted), so "reset" is when the oldest counted request leaves the window: from then on one more request
is allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

_RATE = re.compile(r"(\d+)/(\d+)s")
# What a browser script may read of a cross-origin response (see views_listenbrainz's CORS headers).
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset-In", "X-RateLimit-Reset")


@dataclass(frozen=True)
class RateLimit:
    """Where one caller stands after this request was counted (or refused)."""

    allowed: bool
    limit: int
    remaining: int
    reset_in: int  # seconds until one more request is allowed
    reset: int  # the same moment as a Unix time

    def headers(self) -> dict[str, str]:
        values = (self.limit, self.remaining, self.reset_in, self.reset)
        return {name: str(value) for name, value in zip(RATE_LIMIT_HEADERS, values, strict=True)}


def listenbrainz_rate_parse(rate: str) -> tuple[int, int]:
    """(requests, window seconds) of a rate such as "50/10s"."""
    match = _RATE.fullmatch(rate)
    if not match or int(match.group(2)) == 0:
        raise ImproperlyConfigured(f"A ListenBrainz API rate must look like 50/10s, got {rate!r}.")
    return int(match.group(1)), int(match.group(2))


class ListenBrainzRateThrottle(SimpleRateThrottle):
    """DRF's cache-backed throttle keyed by the token's user when the caller sent a valid token, else by address.

    The address is DRF's (X-Forwarded-For only as far as NUM_PROXIES trusts it), as for every other throttle.
    """

    scope = "listenbrainz"
    num_requests: int
    duration: int
    history: list[float]
    now: float

    def __init__(self, *, user_id: int | None):
        self.user_id = user_id
        # Read per request, so a settings change (or a test) takes effect at once.
        self.rate = settings.LISTENBRAINZ_THROTTLE_RATES["token" if user_id is not None else "address"]
        super().__init__()

    def parse_rate(self, rate: str) -> tuple[int, int]:  # type: ignore[override]
        return listenbrainz_rate_parse(rate)

    def get_cache_key(self, request, view) -> str:
        ident = f"user-{self.user_id}" if self.user_id is not None else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def check(self, request: HttpRequest) -> RateLimit:
        """Count this request (unless it is over the limit) and say where the caller stands."""
        # DRF's throttles read only request.META of the request, which a plain Django request has.
        allowed = self.allow_request(request, None)  # type: ignore[arg-type]
        oldest = self.history[-1] if self.history else self.now
        reset_in = max(1, math.ceil(oldest + self.duration - self.now))
        return RateLimit(
            allowed=allowed,
            limit=self.num_requests,
            remaining=max(self.num_requests - len(self.history), 0),
            reset_in=reset_in,
            reset=math.ceil(self.now) + reset_in,
        )
