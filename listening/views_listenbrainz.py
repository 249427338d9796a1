"""The ListenBrainz-compatible API under /1/: plain Django views, so bodies, statuses and error shapes are
exactly ListenBrainz's (`{"code": 400, "error": "..."}`), whatever content type a scrobbler sends.

Like ListenBrainz, every view here is rate limited (X-RateLimit-* headers on each answer, 429 past the
limit) and open to browser scrobblers on any origin (CORS, without credentials: the token travels in the
Authorization header). The rest of the API keeps django-cors-headers' narrow settings.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import overload

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed

from core.errors import DomainError
from core.exceptions import STATUS_BY_KIND
from juke_auth.authentication import JukeTokenAuthentication
from listening.models import Listen, ListenSource
from listening.selectors import (
    latest_import_get,
    listen_count,
    listen_latest_time,
    listen_list,
    listener_get,
    listens_readable_check,
)
from listening.services.history import latest_import_raise, listen_delete_by_msid
from listening.services.ingest import listens_ingest
from listening.services.listenbrainz import DEFAULT_ITEMS_PER_GET, MAX_ITEMS_PER_GET, submission_parse
from listening.services.playing_now import playing_now_get, playing_now_set
from listening.throttles import RATE_LIMIT_HEADERS, ListenBrainzRateThrottle

RATE_LIMITED = (
    "You have exceeded your rate limit. See the X-RateLimit-* response headers for more information on your "
    "current rate limit."
)
CORS_MAX_AGE_SECONDS = 6 * 60 * 60  # how long a browser may reuse a preflight answer (ListenBrainz's value)


class ListenBrainzError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"code": status, "error": message}, status=status)


def _user_for_token(key: str):
    """The user a Juke API token belongs to, or None."""
    try:
        user, _ = JukeTokenAuthentication().authenticate_credentials(key.encode())
    except AuthenticationFailed:
        return None
    return user


def _authorization_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    parts = header.split(" ")
    return parts[1] if len(parts) > 1 and parts[1] else ""


def _authenticated_user(request: HttpRequest, token_user):
    """The token's user (looked up once per request by the view), or ListenBrainz's 401."""
    token = _authorization_token(request)
    if token is None:
        raise ListenBrainzError(401, "You need to provide an Authorization header.")
    if not token:
        raise ListenBrainzError(401, "Provided Authorization header is invalid.")
    if token_user is None:
        raise ListenBrainzError(401, "Invalid authorization token.")
    return token_user


@overload
def _int_arg(request: HttpRequest, name: str, default: int) -> int: ...
@overload
def _int_arg(request: HttpRequest, name: str, default: None = None) -> int | None: ...
def _int_arg(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    value = request.GET.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ListenBrainzError(400, f"Invalid {name} argument: {value}") from None
    if number < 0:
        raise ListenBrainzError(400, f"'{name}' should be a non-negative integer")
    return number


class ListenBrainzView(View):
    """Rate limits, CORS, and our errors in ListenBrainz's error body, for every view of the API.

    `self.token_user` is the user of the Authorization token when it is valid (one query per request).
    """

    token_user = None

    def dispatch(self, request, *args, **kwargs):
        if request.method == "OPTIONS":  # a browser's preflight: neither counted nor authenticated
            return self._with_cors(HttpResponse(headers={"Allow": self._methods()}))
        token = _authorization_token(request)
        self.token_user = _user_for_token(token) if token else None
        rate = ListenBrainzRateThrottle(user_id=self.token_user.pk if self.token_user else None).check(request)
        if rate.allowed:
            response = self._answer(request, *args, **kwargs)
        else:
            response = _error(429, RATE_LIMITED)
            response["Retry-After"] = str(rate.reset_in)
        for name, value in rate.headers().items():
            response[name] = value
        return self._with_cors(response)

    def _answer(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ListenBrainzError as exc:
            return _error(exc.status, exc.message)
        except RequestDataTooBig:
            return _error(413, f"Request body too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        except DomainError as exc:
            return _error(STATUS_BY_KIND[exc.kind], exc.detail)

    def _with_cors(self, response: HttpResponse) -> HttpResponse:
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = self._methods()
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Expose-Headers"] = ", ".join(RATE_LIMIT_HEADERS)
        response["Access-Control-Max-Age"] = str(CORS_MAX_AGE_SECONDS)
        return response

    def _methods(self) -> str:
        return ", ".join(method.upper() for method in self.http_method_names if hasattr(self, method))

    def http_method_not_allowed(self, request, *args, **kwargs):
        return _error(405, "The method is not allowed for the requested URL.")


@method_decorator(csrf_exempt, name="dispatch")
class SubmitListensView(ListenBrainzView):
    def post(self, request: HttpRequest) -> JsonResponse:
        user = _authenticated_user(request, self.token_user)
        submission = submission_parse(body=request.body)
        if submission.playing_now is not None:
            playing_now_set(user_id=user.pk, track_metadata=submission.playing_now)
        else:
            listens_ingest(user=user, listens=submission.listens, source=ListenSource.SCROBBLER)
        return JsonResponse({"status": "ok"})


class ValidateTokenView(ListenBrainzView):
    def get(self, request: HttpRequest) -> JsonResponse:
        token = request.GET.get("token")
        if token:
            user = _user_for_token(token)
        elif _authorization_token(request):
            user = self.token_user
        else:
            raise ListenBrainzError(400, "You need to provide an Authorization token.")
        if user is None:
            return JsonResponse({"code": 200, "message": "Token invalid.", "valid": False})
        return JsonResponse({"code": 200, "message": "Token valid.", "valid": True, "user_name": user.get_username()})


def _timestamp(value: datetime) -> int:
    return int(value.timestamp())


def listen_as_listenbrainz(listen: Listen, *, user_name: str) -> dict:
    """A stored listen in ListenBrainz's listen JSON."""
    info = dict(listen.additional_info or {})
    for key, value in (
        ("spotify_id", f"https://open.spotify.com/track/{listen.spotify_id}" if listen.spotify_id else None),
        ("isrc", listen.isrc or None),
        ("recording_mbid", str(listen.recording_mbid) if listen.recording_mbid else None),
        ("duration_ms", listen.duration_ms),
    ):
        if value is not None:
            info.setdefault(key, value)
    metadata = {"artist_name": listen.artist_name, "track_name": listen.track_name, "additional_info": info}
    if listen.release_name:
        metadata["release_name"] = listen.release_name
    return {
        "listened_at": _timestamp(listen.listened_at),
        "inserted_at": _timestamp(listen.created_at),
        "recording_msid": str(listen.recording_msid),
        "user_name": user_name,
        "track_metadata": metadata,
    }


_LAST_TIMESTAMP = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


def _time_or_none(timestamp: int | None) -> datetime | None:
    """A bound given as a Unix time; past the last representable second, the end of year 9999."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(min(timestamp, _LAST_TIMESTAMP), tz=UTC)


class UserListensView(ListenBrainzView):
    def get(self, request: HttpRequest, username: str) -> JsonResponse:
        owner = listener_get(username=username)
        listens_readable_check(owner=owner, viewer=self.token_user)
        count = min(_int_arg(request, "count", DEFAULT_ITEMS_PER_GET), MAX_ITEMS_PER_GET)
        max_ts, min_ts = _int_arg(request, "max_ts"), _int_arg(request, "min_ts")
        if max_ts is not None and min_ts is not None and max_ts <= min_ts:
            raise ListenBrainzError(400, "max_ts should be greater than min_ts")
        listens = listen_list(user=owner, before=_time_or_none(max_ts), after=_time_or_none(min_ts), limit=count)
        latest = listen_latest_time(user=owner)
        name = owner.get_username()
        return JsonResponse(
            {
                "payload": {
                    "user_id": name,
                    "count": len(listens),
                    "listens": [listen_as_listenbrainz(listen, user_name=name) for listen in listens],
                    "latest_listen_ts": _timestamp(latest) if latest else 0,
                }
            }
        )


class UserPlayingNowView(ListenBrainzView):
    def get(self, request: HttpRequest, username: str) -> JsonResponse:
        owner = listener_get(username=username)
        listens_readable_check(owner=owner, viewer=self.token_user)
        metadata = playing_now_get(user_id=owner.pk)
        listens = [{"track_metadata": metadata, "playing_now": True}] if metadata else []
        return JsonResponse(
            {
                "payload": {
                    "count": len(listens),
                    "user_id": owner.get_username(),
                    "playing_now": True,
                    "listens": listens,
                }
            }
        )


def _json_object(request: HttpRequest, *, invalid: str) -> dict:
    """The request body as a JSON object, or ListenBrainz's 400 with the endpoint's message."""
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ListenBrainzError(400, invalid) from None
    if not isinstance(data, dict):
        raise ListenBrainzError(400, invalid)
    return data


def _whole_number(value) -> int:
    """int() as ListenBrainz applies it to a JSON value (numbers and digit strings; not true/false)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(value)
    return int(value)


@method_decorator(csrf_exempt, name="dispatch")
class DeleteListenView(ListenBrainzView):
    def post(self, request: HttpRequest) -> JsonResponse:
        user = _authenticated_user(request, self.token_user)
        data = _json_object(request, invalid="Invalid JSON document submitted.")
        if "listened_at" not in data:
            raise ListenBrainzError(400, "Listen timestamp missing.")
        try:
            listened_at = datetime.fromtimestamp(_whole_number(data["listened_at"]), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise ListenBrainzError(400, f"{data['listened_at']}: Listen timestamp invalid.") from None
        if "recording_msid" not in data:
            raise ListenBrainzError(400, "Recording MSID missing.")
        try:
            recording_msid = uuid.UUID(str(data["recording_msid"]))
        except ValueError:
            raise ListenBrainzError(400, f"{data['recording_msid']}: Recording MSID format invalid.") from None
        # ListenBrainz answers ok whether or not such a listen existed; so do we.
        listen_delete_by_msid(user=user, listened_at=listened_at, recording_msid=recording_msid)
        return JsonResponse({"status": "ok"})


class UserListenCountView(ListenBrainzView):
    def get(self, request: HttpRequest, username: str) -> JsonResponse:
        owner = listener_get(username=username)
        listens_readable_check(owner=owner, viewer=self.token_user)
        return JsonResponse({"payload": {"count": listen_count(user=owner)}})


@method_decorator(csrf_exempt, name="dispatch")
class LatestImportView(ListenBrainzView):
    def get(self, request: HttpRequest) -> JsonResponse:
        owner = listener_get(username=request.GET.get("user_name", ""))
        listens_readable_check(owner=owner, viewer=self.token_user)
        latest = latest_import_get(user=owner)
        return JsonResponse(
            {"musicbrainz_id": owner.get_username(), "latest_import": _timestamp(latest) if latest else 0}
        )

    def post(self, request: HttpRequest) -> JsonResponse:
        user = _authenticated_user(request, self.token_user)
        data = _json_object(request, invalid="Invalid data sent")
        try:
            latest = datetime.fromtimestamp(_whole_number(data.get("ts", 0)), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise ListenBrainzError(400, "Invalid data sent") from None
        latest_import_raise(user=user, latest_import=latest)
        return JsonResponse({"status": "ok"})
