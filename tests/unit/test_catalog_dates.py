import datetime as dt

import pytest

from catalog.services.dates import InvalidReleaseDate, release_date_parse


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1999", (dt.date(1999, 1, 1), "year")),
        ("1999-07", (dt.date(1999, 7, 1), "month")),
        ("1999-07-23", (dt.date(1999, 7, 23), "day")),
        ("", (None, "day")),
        (None, (None, "day")),
        ("0000", (None, "day")),
    ],
)
def test_release_dates_are_normalised_to_the_first_day_with_a_precision(value, expected):
    assert release_date_parse(value=value) == expected


@pytest.mark.parametrize("value", ["1999-13", "1999-02-30", "yesterday", "99", "1999-01-01-01"])
def test_invalid_release_dates_are_rejected(value):
    with pytest.raises(InvalidReleaseDate):
        release_date_parse(value=value)
