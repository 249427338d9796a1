"""The HTTP session every Spotify call goes through (spotipy, social-auth, our own adapters).

In stub mode the session answers Spotify's hosts in-process from spotify_stub, so the real
spotipy and social-auth code runs end to end without the internet.
"""

import requests
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
