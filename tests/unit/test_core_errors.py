"""core turns every domain error into one HTTP answer, by kind, in one place."""

import pytest

from core.errors import DomainError, ErrorKind
from core.exceptions import STATUS_BY_KIND, api_exception_handler


class TrackGone(DomainError):
    kind = ErrorKind.NOT_FOUND
    default_detail = "No such track."
    default_code = "track_not_found"


class SpotifyDown(DomainError):
    kind = ErrorKind.UNAVAILABLE
    default_detail = "Spotify is temporarily unavailable."
    default_code = "spotify_unavailable"


def test_every_kind_has_a_status():
    assert set(STATUS_BY_KIND) == set(ErrorKind)


def test_a_domain_error_becomes_its_kinds_status_with_detail_and_code():
    response = api_exception_handler(TrackGone(), {})
    assert response.status_code == 404
    assert response.data == {"detail": "No such track.", "code": "track_not_found"}


def test_extra_keys_and_retry_after_reach_the_client():
    response = api_exception_handler(SpotifyDown(extra={"reason": "RATE"}, retry_after=2.4), {})
    assert response.status_code == 503
    assert response.data["reason"] == "RATE"
    assert response.headers["Retry-After"] == "2"


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_a_field_error_is_shaped_like_a_form_error(kind):
    error = type("E", (DomainError,), {"kind": kind})("Enter a valid e-mail address.", field="email")
    response = api_exception_handler(error, {})
    assert response.data == {"email": ["Enter a valid e-mail address."]}
    assert response.status_code == STATUS_BY_KIND[kind]
