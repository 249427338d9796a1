"""API errors shared by the apps, and the exception handler that keeps every answer a JSON `detail`."""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import DomainError, ErrorKind

logger = logging.getLogger(__name__)


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service Juke depends on is temporarily unavailable. Please try again."
    default_code = "service_unavailable"


class BadGateway(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "An upstream service answered with an error. Please try again."
    default_code = "bad_gateway"


QUEUE_UNAVAILABLE_MESSAGE = "Background work cannot be queued right now. Nothing was started; please try again."

STATUS_BY_KIND = {
    ErrorKind.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorKind.NOT_AUTHENTICATED: status.HTTP_401_UNAUTHORIZED,
    ErrorKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorKind.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorKind.RATE_LIMITED: status.HTTP_429_TOO_MANY_REQUESTS,
    ErrorKind.UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
    ErrorKind.BAD_UPSTREAM: status.HTTP_502_BAD_GATEWAY,
}


def domain_error_response(exc: DomainError) -> Response:
    """The HTTP answer for a domain error: its kind's status, `{detail, code?, ...extra}` or `{field: [detail]}`."""
    body: dict[str, Any]
    if exc.field:
        body = {exc.field: [exc.detail]}
    else:
        code = {"code": exc.code} if exc.code else {}  # an error may answer with `detail` only
        body = {"detail": exc.detail, **code, **exc.extra}
    headers = {"Retry-After": str(max(1, round(exc.retry_after)))} if exc.retry_after else None
    return Response(body, status=STATUS_BY_KIND[exc.kind], headers=headers)


def _is_task_queue_failure(exc: Exception) -> bool:
    """Only Celery reaches Redis directly (the cache fails open, core/cache.py), so a Redis error means the task
    was not queued. Celery's Redis result store reports a failed subscription as a RuntimeError from one."""
    if isinstance(exc, BrokerUnavailable | RedisError):
        return True
    return isinstance(exc, RuntimeError) and isinstance(exc.__cause__, BrokerUnavailable | RedisError)


def api_exception_handler(exc, context):
    """DRF's handler, plus: domain errors by kind; a lost database connection is a 503 with a clear message,
    not a 500; a task that cannot be queued (Redis down) is a 503; a body over the upload limit is a 413."""
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    response = exception_handler(exc, context)
    if response is None and isinstance(exc, RequestDataTooBig):
        # Django's limit (DATA_UPLOAD_MAX_MEMORY_SIZE); without this it is an HTML 400 page.
        return Response(
            {"detail": f"Request body too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if response is None and _is_task_queue_failure(exc):
        logger.warning("Task queue unavailable while serving %s: %s", context.get("request"), exc)
        return Response(
            {"detail": QUEUE_UNAVAILABLE_MESSAGE, "code": "queue_unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "30"},
        )
    if response is None and isinstance(exc, DatabaseError):
        logger.exception("Database error while serving %s", context.get("request"))
        return Response(
            {"detail": "The database is temporarily unavailable. Please try again."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    return response
