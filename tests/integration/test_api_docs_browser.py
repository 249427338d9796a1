"""Pages in a real browser with no network but this machine: the API docs (Swagger UI and ReDoc) and the stub
Spotify sign-in page, whose approve button completes the Spotify redirect flow."""

import shutil
import uuid

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from social_django.models import UserSocialAuth

from spotify_stub.accounts import stub_user_id_for_code
from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Every host name but the live server's address fails to resolve: a CDN asset cannot load.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        require_service("chromium", f"{CHROMIUM} or {CHROMEDRIVER} missing: apt-get install chromium chromium-driver")

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        OFFLINE,
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def text_of_first(driver, css_selector: str, timeout: float = 60) -> str:
    element = WebDriverWait(driver, timeout).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css_selector))
    )
    return element.text


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_the_schema_offline(browser, live_server):
    browser.get(f"{live_server.url}/api/docs/")

    assert "Juke API" in text_of_first(browser, ".swagger-ui .info .title")
    assert text_of_first(browser, ".swagger-ui .opblock-summary-path").startswith("/api/v1/")
    assert "/api/v1/recommendations/" in browser.find_element("css selector", ".swagger-ui").text


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_redoc_renders_the_schema_offline(browser, live_server):
    browser.get(f"{live_server.url}/api/redoc/")

    assert "Juke API" in text_of_first(browser, "redoc h1, .redoc-wrap h1, [role=main] h1")


@pytest.fixture
def frontend_on_live_server(settings, live_server) -> str:
    """The Spotify flow's backend and web-app URLs on the live server; the "web app" is the caller's profile
    page (the browsable API), so the page the flow lands on shows who is signed in."""
    frontend = f"{live_server.url}/api/v1/music-profiles/me/"
    settings.BACKEND_URL = live_server.url
    settings.FRONTEND_URL = frontend
    settings.SOCIAL_AUTH_LOGIN_REDIRECT_URL = frontend
    settings.SOCIAL_AUTH_NEW_USER_REDIRECT_URL = frontend
    settings.SOCIAL_AUTH_LOGIN_ERROR_URL = f"{frontend}?error=spotify_auth_failed"
    settings.SOCIAL_AUTH_INACTIVE_USER_URL = f"{frontend}?error=spotify_auth_failed"
    settings.SOCIAL_AUTH_ALLOWED_REDIRECT_HOSTS = [live_server.url.split("://", 1)[1]]
    return frontend


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_stub_spotify_sign_in_page_completes_its_redirect(browser, live_server, frontend_on_live_server):
    listener = f"browser-{uuid.uuid4().hex[:8]}"
    browser.get(f"{live_server.url}/api/v1/social-auth/login/spotify/")

    assert "Stub Spotify" in text_of_first(browser, "h1")
    assert "/api/v1/social-auth/stub/authorize/" in browser.current_url
    name = browser.find_element(By.NAME, "listener")
    name.clear()
    name.send_keys(listener)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 60).until(expected_conditions.url_to_be(frontend_on_live_server))

    # Signed in by the flow's session: the profile page answers for the new Spotify-linked user.
    account = UserSocialAuth.objects.get(provider="spotify")
    assert account.uid == stub_user_id_for_code(f"stub-code-{listener}")
    page = text_of_first(browser, ".response-info")
    assert "HTTP 200 OK" in page
    assert f'"username": "{account.user.username}"' in page
