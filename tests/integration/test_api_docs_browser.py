"""The API docs (Swagger UI and ReDoc) render in a real browser with no network but this machine."""

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

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
