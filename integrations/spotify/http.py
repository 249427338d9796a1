"""The HTTP session every Spotify call goes through (spotipy, social-auth, our own adapters).

In stub mode the session answers Spotify's hosts in-process from spotify_stub, so the real
spotipy and social-auth code runs end to end without the internet.
"""

import threading

import requests
import spotipy
from django.conf import settings

SPOTIFY_API_ORIGIN = "https://api.spotify.com/"
SPOTIFY_ACCOUNTS_ORIGIN = "https://accounts.spotify.com/"


def spotify_http_session() -> requests.Session:
    """A requests session for Spotify; in stub mode its transport is the stub Spotify service."""
    session = requests.Session()
    if settings.SPOTIFY_USE_STUB_DATA:
        from spotify_stub.transport import StubSpotifyTransport  # noqa: PLC0415 - production never loads the stub

        transport = StubSpotifyTransport()
        session.mount(SPOTIFY_API_ORIGIN, transport)
        session.mount(SPOTIFY_ACCOUNTS_ORIGIN, transport)
    return session


_this_thread = threading.local()


def spotify_thread_session() -> requests.Session:
    """This thread's Spotify session, kept from call to call so its connections to Spotify stay open (no TCP and
    TLS handshake per player read). One per thread because a requests session is not thread-safe; one per
    stub mode because tests switch it."""
    sessions: dict[bool, requests.Session] = _this_thread.__dict__.setdefault("sessions", {})
    stub = bool(settings.SPOTIFY_USE_STUB_DATA)
    if stub not in sessions:
        sessions[stub] = spotify_http_session()
    return sessions[stub]


class SpotifyUserSession:
    """A spotipy client for one user's access token on this thread's Spotify session: no spotipy retries (our
    callers decide), our timeout. Player and library clients build on it."""

    def __init__(self, *, access_token: str):
        self._spotify = spotipy.Spotify(
            auth=access_token,
            requests_session=spotify_thread_session(),
            retries=0,
            status_retries=0,
            requests_timeout=settings.SPOTIFY_REQUEST_TIMEOUT_SECONDS,
        )
