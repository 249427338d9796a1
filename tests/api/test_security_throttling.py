"""Rate limits key on the client's real address: an invented X-Forwarded-For header does not reset them."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

LOGIN = "/api/v1/auth/api-auth-token/"


def attempt(api_client, forwarded_for: str):
    return api_client.post(
        LOGIN, {"username": "nobody", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR=forwarded_for
    )


def test_a_new_x_forwarded_for_on_every_request_does_not_dodge_the_login_throttle(api_client, settings):
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-login": "3/min"}
    for number in range(3):
        assert attempt(api_client, f"203.0.113.{number}").status_code == 400

    response = attempt(api_client, "203.0.113.99")

    assert response.status_code == 429


def test_behind_one_proxy_the_address_it_appended_is_the_client(api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.AUTH_THROTTLE_RATES = {**settings.AUTH_THROTTLE_RATES, "auth-login": "2/min"}
    # The client may prepend anything; the proxy appends the address it saw (the last entry).
    for forged in ("1.1.1.1", "2.2.2.2"):
        assert attempt(api_client, f"{forged}, 198.51.100.7").status_code == 400

    assert attempt(api_client, "3.3.3.3, 198.51.100.7").status_code == 429
    assert attempt(api_client, "198.51.100.8").status_code == 400  # another client behind the same proxy
