"""What every accounts view shares: answers to domain and database errors, and the pre-sign-in base view."""

import logging
from typing import Any

from django.db import DataError, IntegrityError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import ErrorDetail
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError
from core.exceptions import STATUS_BY_KIND
from core.parsers import JukeJSONParser
from juke_auth.serializers import DetailSerializer
from juke_auth.throttles import AuthScopedRateThrottle

logger = logging.getLogger(__name__)

DETAIL_400 = OpenApiResponse(DetailSerializer, description="Refused; `detail` says why.")
CONFLICT = "Another request changed the same account at the same time. Please try again."
BAD_DATA = "A value does not fit what the database can store (too long, or out of range)."

# Endpoints that sign in take no CSRF token, so they take JSON only: a cross-site HTML form (urlencoded or
# multipart, no CORS preflight) could otherwise sign a victim's browser in to the attacker's account.
JSON_ONLY = [JukeJSONParser]


def detail(message: str, code: int) -> Response:
    return Response({"detail": message}, status=code)


def domain_error_answer(error: DomainError) -> Response:
    """The accounts contract's answer to a domain error: core's status for its kind, and `{"detail": ...}`
    (or `{field: [detail]}` for a form field), without the `code` key other apps add."""
    body: dict[str, Any]
    if error.field:
        body = {error.field: [ErrorDetail(error.detail, code=error.code)]}
    else:
        body = {"detail": error.detail, **error.extra}
    return Response(body, status=STATUS_BY_KIND[error.kind])


class AuthAPIView(APIView):
    """An accounts view: domain errors answer as the contract says; the database refusing a write because of
    the data (a uniqueness race, a value too long) is the client's 409/400 with a message, never a 503."""

    def handle_exception(self, exc):
        if isinstance(exc, DomainError):
            return domain_error_answer(exc)
        if isinstance(exc, IntegrityError):
            logger.warning("Integrity error in %s: %s", type(self).__name__, exc)
            return detail(CONFLICT, status.HTTP_409_CONFLICT)
        if isinstance(exc, DataError):
            logger.warning("Data error in %s: %s", type(self).__name__, exc)
            return detail(BAD_DATA, status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


class PublicAuthView(AuthAPIView):
    """Base for endpoints used before signing in: no authentication (so no CSRF), JSON only, throttled by scope."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = JSON_ONLY
    throttle_classes = [AuthScopedRateThrottle]
