"""The ListenBrainz submission format: parse and check a `submit-listens` body exactly as ListenBrainz does.

Field names, limits and messages follow ListenBrainz's published API (api.listenbrainz.org/1/), so the
scrobblers people already run accept Juke as their server. The limits are ListenBrainz's own.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from listening.errors import ListenInvalid
from listening.services.ingest import ListenInput, unicode_null_found

MAX_LISTEN_SIZE = 10240  # bytes per listen, in aggregate over a request
MAX_LISTENS_PER_REQUEST = 1000
MAX_TAGS_PER_LISTEN = 50
MAX_TAG_SIZE = 64
LISTEN_MINIMUM_TS = 1033430400  # 2002-10-01, Audioscrobbler's first day
LISTENED_AT_ALLOWED_SKEW = 60 * 60  # a client's clock may run an hour fast
DEFAULT_ITEMS_PER_GET = 25
MAX_ITEMS_PER_GET = 1000
MAX_DURATION = 24 * 24 * 60 * 60  # seconds: 24 days
MAX_DURATION_MS = MAX_DURATION * 1000
LISTEN_TYPES = ("single", "playing_now", "import")
_SINGLE_MBID_KEYS = ("release_mbid", "recording_mbid", "release_group_mbid", "track_mbid")
_MULTI_MBID_KEYS = ("artist_mbids", "work_mbids")


class ListenBrainzInvalid(ListenInvalid):
    """A submission ListenBrainz itself would refuse with 400; `detail` is ListenBrainz's own message."""

    default_code = "listenbrainz_invalid"


@dataclass(frozen=True)
class Submission:
    listen_type: str
    listens: list[ListenInput]  # empty for playing_now
    playing_now: dict | None  # the track_metadata of a playing_now submission


def submission_parse(*, body: bytes, now: float | None = None) -> Submission:
    """Parse a submit-listens body; raises ListenBrainzInvalid with ListenBrainz's message."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ListenBrainzInvalid(f"Cannot parse JSON document: {exc}") from None
    if not isinstance(data, dict) or "payload" not in data or "listen_type" not in data:
        raise ListenBrainzInvalid("Invalid JSON document submitted.")
    payload, listen_type = data["payload"], data["listen_type"]
    if not isinstance(payload, list) or not payload:
        raise ListenBrainzInvalid("JSON document does not contain any listens")
    if len(body) > len(payload) * MAX_LISTEN_SIZE:
        raise ListenBrainzInvalid(
            f"JSON document is too large. In aggregate, listens may not be larger than {MAX_LISTEN_SIZE} characters."
        )
    if listen_type not in LISTEN_TYPES:
        raise ListenBrainzInvalid("JSON document requires a valid listen_type key.")
    if listen_type != "import" and len(payload) > 1:
        raise ListenBrainzInvalid(
            "JSON document contains more than listen for a single/playing_now. It should contain only one."
        )
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise ListenBrainzInvalid(
            f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} listens at once."
        )
    now = time.time() if now is None else now
    for listen in payload:
        _check_listen(listen, listen_type, now=now)
    if listen_type == "playing_now":
        return Submission(listen_type=listen_type, listens=[], playing_now=payload[0]["track_metadata"])
    return Submission(
        listen_type=listen_type, listens=[listen_input_from(listen) for listen in payload], playing_now=None
    )


def _refuse_constant(name: str) -> float:
    """NaN and Infinity are not JSON (ListenBrainz's parser refuses them, and neither database can store them)."""
    raise ValueError(f"{name} is not a valid JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _check_listen(listen: Any, listen_type: str, *, now: float) -> None:
    if not isinstance(listen, dict):
        raise ListenBrainzInvalid("Listen is not a JSON object.")
    if listen_type == "playing_now":
        if "listened_at" in listen:
            raise ListenBrainzInvalid("JSON document must not contain listened_at while submitting playing_now.")
        if len(listen) > 1:
            raise ListenBrainzInvalid(
                "JSON document may only contain track_metadata as top level key when submitting playing_now."
            )
    else:
        _check_listened_at(listen, now=now)
    metadata = listen.get("track_metadata")
    if not isinstance(metadata, dict):
        raise ListenBrainzInvalid("JSON document does not contain a valid metadata.track_name and/or artist_name.")
    for key in ("track_name", "artist_name"):
        if key not in metadata or not metadata[key]:
            raise ListenBrainzInvalid(f"JSON document does not contain required track_metadata.{key}.")
        if not isinstance(metadata[key], str):
            raise ListenBrainzInvalid(f"{key} must be a single string.")
    if metadata.get("release_name") is not None and not isinstance(metadata["release_name"], str):
        raise ListenBrainzInvalid("release_name must be a single string.")
    additional_info = metadata.get("additional_info", {})
    if additional_info is not None and not isinstance(additional_info, dict):
        raise ListenBrainzInvalid("additional_info must be a JSON object.")
    _check_additional_info(additional_info or {})
    _check_no_unicode_null(listen)


def _check_no_unicode_null(value: Any) -> None:
    """PostgreSQL cannot store U+0000 in text or jsonb, so ListenBrainz refuses it anywhere in a listen."""
    found = unicode_null_found(value)
    if found is not None:
        raise ListenBrainzInvalid(f"{found} contains a unicode null")


def _check_listened_at(listen: dict, *, now: float) -> None:
    if "listened_at" not in listen:
        raise ListenBrainzInvalid("JSON document must contain the key listened_at at the top level.")
    value = listen["listened_at"]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ListenBrainzInvalid("JSON document must contain an int value for listened_at.")
    try:
        listened_at = int(value)
    except ValueError:
        raise ListenBrainzInvalid("JSON document must contain an int value for listened_at.") from None
    if set(listen) - {"listened_at", "track_metadata"}:
        raise ListenBrainzInvalid("JSON document may only contain listened_at and track_metadata top level keys")
    if listened_at < LISTEN_MINIMUM_TS:
        raise ListenBrainzInvalid(
            "Value for key listened_at is too low. listened_at timestamp should be greater than "
            f"{LISTEN_MINIMUM_TS} (2002-10-01 00:00:00 UTC)."
        )
    if listened_at > now + LISTENED_AT_ALLOWED_SKEW:
        raise ListenBrainzInvalid("Value for key listened_at is too high.")


def _check_additional_info(info: dict) -> None:
    tags = info.get("tags", [])
    if tags:
        if not isinstance(tags, list) or len(tags) > MAX_TAGS_PER_LISTEN:
            raise ListenBrainzInvalid(
                f"JSON document may not contain more than {MAX_TAGS_PER_LISTEN} items in track_metadata.additional_info.tags."
            )
        if any(not isinstance(tag, str) or len(tag) > MAX_TAG_SIZE for tag in tags):
            raise ListenBrainzInvalid(
                f"JSON document may not contain track_metadata.additional_info.tags longer than {MAX_TAG_SIZE} characters."
            )
    if "duration" in info and "duration_ms" in info:
        raise ListenBrainzInvalid("JSON document should not contain both duration and duration_ms.")
    for key, limit in (("duration", MAX_DURATION), ("duration_ms", MAX_DURATION_MS)):
        if key in info:
            _check_duration(key, info[key], limit)
    for key in (*_SINGLE_MBID_KEYS, *_MULTI_MBID_KEYS):
        values = info.get(key)
        if not values:
            continue
        for value in values if key in _MULTI_MBID_KEYS and isinstance(values, list) else [values]:
            if not _is_uuid(value):
                raise ListenBrainzInvalid(f"{key} MBID format invalid.")


def _check_duration(key: str, value: Any, limit: int) -> None:
    """A positive whole number up to the limit (strings of digits too, as ListenBrainz accepts them)."""
    try:
        number = int(value)
    except (ValueError, TypeError, OverflowError):
        raise ListenBrainzInvalid(f"Value for {key} is invalid, should be a positive integer.") from None
    if number <= 0:
        raise ListenBrainzInvalid(f"Value for {key} is invalid, should be a positive integer.")
    if number > limit:
        raise ListenBrainzInvalid(f"Value for {key} is too large, max permitted value is {limit}")


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _duration_ms(info: dict) -> int | None:
    """The duration in milliseconds, when one is given as a whole number within the limit."""
    for key, factor, limit in (("duration_ms", 1, MAX_DURATION_MS), ("duration", 1000, MAX_DURATION)):
        try:
            number = int(info.get(key))  # type: ignore[arg-type]
        except (ValueError, TypeError, OverflowError):
            continue
        if 0 < number <= limit:
            return number * factor
    return None


def listen_input_from(listen: dict) -> ListenInput:
    """A checked ListenBrainz listen (`listened_at` + `track_metadata`) as our ingest input."""
    metadata = listen["track_metadata"]
    info = metadata.get("additional_info") or {}
    spotify = info.get("spotify_id") or ""
    return ListenInput(
        listened_at=datetime.fromtimestamp(int(listen["listened_at"]), tz=UTC),
        artist_name=metadata["artist_name"],
        track_name=metadata["track_name"],
        release_name=metadata.get("release_name") or "",
        spotify_id=spotify if isinstance(spotify, str) else "",
        isrc=isrc if isinstance(isrc := info.get("isrc"), str) else "",
        recording_mbid=info.get("recording_mbid") or None,
        duration_ms=_duration_ms(info),
        additional_info=info,
    )
