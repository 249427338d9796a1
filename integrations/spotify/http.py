"""The HTTP session every Spotify call goes through (spotipy, social-auth, our own adapters).

In stub mode the session answers Spotify's hosts in-process from spotify_stub, so the real
spotipy and social-auth code runs end to end without the internet.
"""

from typing import Self

import requests
import spotipy
from django.conf import settings

SPOTIFY_API_ORIGIN = "https://api.spotify.com/"
SPOTIFY_ACCOUNTS_ORIGIN = "https://accounts.spotify.com/"


def spotify_http_session() -> requests.Session:
    """A requests session for Spotify; in stub mode its transport is the stub Spotify service."""
    session = requests.Session()
    if settings.SPOTIFY_USE_STUB_DATA:
        from spotify_stub.transport import StubSpotifyTransport

        transport = StubSpotifyTransport()
        session.mount(SPOTIFY_API_ORIGIN, transport)
        session.mount(SPOTIFY_ACCOUNTS_ORIGIN, transport)
    return session


class SpotifyUserSession:
    """A spotipy client for one user's access token on the Spotify session: no spotipy retries (our callers
    decide), our timeout. Player and library clients build on it; use it as a context manager."""

    def __init__(self, *, access_token: str):
        self._session = spotify_http_session()
        self._spotify = spotipy.Spotify(
            auth=access_token,
            requests_session=self._session,
            retries=0,
            status_retries=0,
            requests_timeout=settings.SPOTIFY_REQUEST_TIMEOUT_SECONDS,
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
