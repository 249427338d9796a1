"""Scoped throttles for the sign-up and sign-in endpoints; rates come from settings.AUTH_THROTTLE_RATES."""

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle


class AuthScopedRateThrottle(ScopedRateThrottle):
    """A ScopedRateThrottle that reads its rate when the request arrives, so settings can change it."""

    def get_rate(self):
        return settings.AUTH_THROTTLE_RATES.get(self.scope)


def client_address(request) -> str:
    """The caller's address as the throttles count it (X-Forwarded-For only as far as NUM_PROXIES trusts it)."""
    return AuthScopedRateThrottle().get_ident(request) or ""
