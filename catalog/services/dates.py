"""Spotify release dates: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, stored as the first day plus a precision."""

from __future__ import annotations

import datetime as dt


class InvalidReleaseDate(ValueError):
    pass


def release_date_parse(*, value: str | None, precision: str | None = None) -> tuple[dt.date | None, str]:
    """The date (first day of the year or month when less precise) and its precision (day/month/year).

    Empty values and Spotify's `0000` placeholder give (None, "day"); anything else unparsable raises
    InvalidReleaseDate. A given `precision` is trusted only if it agrees with the value's shape.
    """
    text = (value or "").strip()
    if not text or text.strip("0-") == "":
        return None, "day"
    parts = text.split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 1 and len(parts[0]) == 4:
            return dt.date(numbers[0], 1, 1), "year"
        if len(numbers) == 2:
            return dt.date(numbers[0], numbers[1], 1), "month"
        if len(numbers) == 3:
            return dt.date(*numbers), "day"
    except ValueError as exc:
        raise InvalidReleaseDate(f"invalid release date {text!r}") from exc
    raise InvalidReleaseDate(f"invalid release date {text!r}")
