"""The web console's whole path, as one user, over HTTP against a running `make run` (issue 11, "Done when").

`make run` is `manage.py migrate`, `manage.py seed_demo`, then scripts/dev.py; this test runs the same three
on a fresh SQLite file and free ports, then walks what the console sends: register, open the e-mailed link
twice, sign in, onboarding, the globe, catalog search, profile edit, Spotify connect through the stub
authorize page, play with no device named, pause, next. The user does nothing wrong, so no step may answer
4xx/5xx.
"""

import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.integration.dev_process import REPO_ROOT, dev_environment, dev_runner
from tests.plugins.engine_server import free_port

HEALTH_TIMEOUT_SECONDS = 60
PASSWORD = "rainy-day-jazz-42"
VERIFICATION_LINK = re.compile(r"^(http\S+/verify-user/\?\S+)$", re.MULTILINE)
FRONTEND_URL = "http://127.0.0.1:5173"


class FormReader(HTMLParser):
    """The first form of a page: its inputs' names and values, and whether it has a submit button."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.has_submit = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""
        if tag == "button" and attributes.get("type", "submit") == "submit":
            self.has_submit = True


class Console:
    """What the web console does over HTTP: token-authenticated API calls, cookies kept like a browser."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.token = ""

    def call(self, method: str, path: str, expected: int = 200, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Token {self.token}"} if self.token else {}
        response = self.http.request(method, f"{self.base_url}{path}", headers=headers, timeout=30, **kwargs)
        assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response

    def navigate(self, url: str) -> requests.Response:
        """A full-page navigation: cookies only (no token header), redirects left to the caller."""
        response = self.http.get(url, allow_redirects=False, timeout=30)
        assert response.status_code < 400, f"GET {url}: {response.status_code} {response.text[:500]}"
        return response


def make_run_prepare(env: dict[str, str]) -> None:
    for command in (["migrate", "--no-input"], ["seed_demo"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, f"manage.py {command[0]} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"


def wait_for_health(process, base_url: str, log_path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"{base_url}/healthz", timeout=3).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"make run did not answer /healthz:\n{log_path.read_text(errors='replace')[-3000:]}")


def verification_query(log_path, email: str) -> dict[str, str]:
    """user_id, timestamp and signature from the verification e-mail the console backend printed."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        output = log_path.read_text(errors="replace")
        mail = output[output.find(f"To: {email}") :] if f"To: {email}" in output else ""
        link = VERIFICATION_LINK.search(mail)
        if link:
            query = parse_qs(urlsplit(link.group(1)).query)
            return {name: query[name][0] for name in ("user_id", "timestamp", "signature")}
        time.sleep(0.2)
    pytest.fail(f"no verification e-mail to {email} in the output:\n{output[-3000:]}")


def register_and_verify(console: Console, log_path) -> None:
    account = {"username": "ada", "email": "ada@example.com", "password": PASSWORD, "password_confirm": PASSWORD}
    registered = console.call("POST", "/api/v1/auth/accounts/register/", 201, json=account).json()
    assert registered["username"] == "ada"
    assert registered["email"] == "ada@example.com"

    link = verification_query(log_path, "ada@example.com")
    first = console.call("POST", "/api/v1/auth/accounts/verify-registration/", json=link).json()
    assert first["detail"] == "Account verified."
    assert first["username"] == "ada"
    assert len(first["token"]) == 40
    # The console posts the same link again (React StrictMode, a second click): still a success on screen.
    second = console.call("POST", "/api/v1/auth/accounts/verify-registration/", json=link).json()
    assert second == {"detail": "Account already verified.", "username": "ada"}

    console.token = console.call(
        "POST", "/api/v1/auth/api-auth-token/", json={"username": "ada", "password": PASSWORD}
    ).json()["token"]
    assert len(console.token) == 40
    assert console.http.cookies.get("sessionid"), "token sign-in also opens the session the Spotify link needs"


def onboard_and_look_around(console: Console) -> str:
    """Onboarding, the globe, catalog search and a profile edit; returns a found track's playback URI."""
    assert console.call("GET", "/api/v1/music-profiles/me/").json()["onboarding_completed_at"] is None
    onboarding = {
        "location": "Paris",
        "city_lat": 48.8566,
        "city_lng": 2.3522,
        "favorite_genres": ["jazz", "soul"],
        "favorite_artists": ["Nina Simone"],
        "custom_data": {
            "hated_genres": ["metal"],
            "rainy_day_mood": "mellow",
            "onboarding_completed_at": "2026-01-18T00:00:00.000Z",
        },
        "onboarding_completed_at": "2026-01-18T00:00:00.000Z",
    }
    profile = console.call("PATCH", "/api/v1/music-profiles/me/", json=onboarding).json()
    assert (profile["location"], profile["city_lat"], profile["city_lng"]) == ("Paris", 48.86, 2.35)
    assert profile["top_genre"] == "jazz"
    assert profile["onboarding_completed_at"] is not None

    whole_world = "min_lat=-90&max_lat=90&min_lng=-180&max_lng=180&zoom=1&limit=5000"
    # Zoomed out, only clout >= 0.5 shows: a new listener (clout 0) is not on the world view yet.
    assert console.call("GET", f"/api/v1/music-profiles/globe/?{whole_world}").json() == []
    paris = console.call("GET", "/api/v1/music-profiles/globe/?min_lat=48&max_lat=49&min_lng=2&max_lng=3&zoom=14")
    assert [(point["username"], point["top_genre"], point["location"]) for point in paris.json()] == [
        ("ada", "jazz", "Paris")
    ]

    tracks = console.call("GET", "/api/v1/tracks/?external=true&q=night").json()["results"]
    assert tracks
    assert all(track["spotify_data"]["uri"].startswith("spotify:track:") for track in tracks)
    artists = console.call("GET", "/api/v1/artists/?external=true&q=night").json()["results"]
    assert artists
    assert all(isinstance(artist["pk"], int) and artist["name"] for artist in artists)

    edit = {"display_name": "Ada L.", "tagline": "Jazz on rainy days", "avatar_url": "https://example.com/ada.png"}
    edited = console.call("PATCH", "/api/v1/music-profiles/me/", json=edit).json()
    assert {key: edited[key] for key in edit} == edit
    assert edited["location"] == "Paris"
    return tracks[0]["spotify_data"]["uri"]


def connect_spotify_through_the_stub_page(console: Console) -> None:
    start = console.navigate(f"{console.base_url}/api/v1/social-auth/login/spotify/")
    assert start.status_code == 302
    assert "/social-auth/stub/authorize/" in start.headers["Location"]
    page = console.navigate(start.headers["Location"])
    assert page.status_code == 200
    assert "Stub Spotify" in page.text
    form = FormReader()
    form.feed(page.text)
    assert form.has_submit
    assert {"redirect_uri", "state", "listener"} <= set(form.fields)

    authorize_page = urlsplit(start.headers["Location"])._replace(query="").geturl()
    # The form submits by GET to its own page: the approve button sends its fields back.
    approved = console.http.get(authorize_page, params=form.fields, allow_redirects=False, timeout=30)
    assert approved.status_code == 302
    assert approved.headers["Location"].startswith(form.fields["redirect_uri"])
    completed = console.navigate(approved.headers["Location"])
    assert completed.status_code == 302
    assert completed.headers["Location"].rstrip("/") == FRONTEND_URL, completed.headers["Location"]


def play_pause_next(console: Console, track_uri: str) -> None:
    played = console.call("POST", "/api/v1/playback/play/", 202, json={"provider": "spotify", "track_uri": track_uri})
    state = played.json()
    assert state["is_playing"] is True
    assert state["track"]["uri"] == track_uri
    assert state["device"]["is_active"]

    paused = console.call("POST", "/api/v1/playback/pause/", json={"provider": "spotify"}).json()
    assert paused["is_playing"] is False
    assert paused["track"]["uri"] == track_uri

    skipped = console.call("POST", "/api/v1/playback/next/", json={"provider": "spotify"}).json()
    assert skipped["provider"] == "spotify"
    assert skipped["track"]["uri"] != track_uri


@pytest.mark.integration
def test_the_console_path_from_sign_up_to_playback_against_make_run(tmp_path):
    backend_port = free_port()
    base_url = f"http://127.0.0.1:{backend_port}"
    env = dev_environment(tmp_path, BACKEND_PORT=str(backend_port), RECOMMENDER_PORT=str(free_port()))
    make_run_prepare(env)

    with dev_runner(tmp_path, env) as (process, log_path):
        wait_for_health(process, base_url, log_path)
        console = Console(base_url)

        register_and_verify(console, log_path)
        track_uri = onboard_and_look_around(console)
        connect_spotify_through_the_stub_page(console)
        play_pause_next(console, track_uri)

        # Linking Spotify imports the listener's Spotify history at once (LISTENING_IMPORT_ON_SPOTIFY_LINK).
        assert console.call("GET", "/api/v1/listens/").json()["results"], "no Spotify history after linking"
        assert "Traceback" not in log_path.read_text(errors="replace")
