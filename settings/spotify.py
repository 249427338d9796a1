"""Spotify: app credentials, stub mode, timeouts and retries."""

from pydantic import Field

from settings.base import IS_DEVELOPMENT
from settings.environment import CommaList, EnvironmentSettings, read_environment

STUB_CLIENT_ID = "stub-client-id"
STUB_CLIENT_SECRET = "stub-client-secret"  # noqa: S105 - the offline stub's public fake secret


class Spotify(EnvironmentSettings):
    SOCIAL_AUTH_SPOTIFY_KEY: str = ""
    SOCIAL_AUTH_SPOTIFY_SECRET: str = ""
    # OAuth scopes, space- or comma-separated.
    SOCIAL_AUTH_SPOTIFY_SCOPE: CommaList = [
        "user-read-playback-state",
        "user-read-currently-playing",
        "user-modify-playback-state",
        # Listening history: recently played (periodic import), top items and saved tracks (on first link).
        "user-read-recently-played",
        "user-top-read",
        "user-library-read",
    ]
    # Import a user's Spotify history (top items, saved tracks, recently played) as soon as they link Spotify.
    LISTENING_IMPORT_ON_SPOTIFY_LINK: bool = True
    # Unset: the stub in development when no credentials are configured; never silently elsewhere.
    SPOTIFY_USE_STUB_DATA: bool | None = None
    SPOTIFY_REQUEST_TIMEOUT_SECONDS: float = Field(5.0, ge=0.1)
    SPOTIFY_MAX_RETRIES: int = Field(3, ge=0, le=10)
    # First backoff step of the adapter's retries (doubles per attempt, plus jitter).
    SPOTIFY_RETRY_BACKOFF_SECONDS: float = Field(0.5, ge=0)
    FEATURED_GENRES_FETCH_BUDGET_SECONDS: float = Field(6.0, ge=0.1)

    @property
    def credentials_set(self) -> bool:
        return bool(self.SOCIAL_AUTH_SPOTIFY_KEY and self.SOCIAL_AUTH_SPOTIFY_SECRET)


SPOTIFY = read_environment(Spotify)
SOCIAL_AUTH_SPOTIFY_KEY = SPOTIFY.SOCIAL_AUTH_SPOTIFY_KEY
SOCIAL_AUTH_SPOTIFY_SECRET = SPOTIFY.SOCIAL_AUTH_SPOTIFY_SECRET
SOCIAL_AUTH_SPOTIFY_SCOPE = SPOTIFY.SOCIAL_AUTH_SPOTIFY_SCOPE
SPOTIFY_CREDENTIALS_SET = SPOTIFY.credentials_set

# Stub mode answers every Spotify HTTP call from spotify_stub, in-process at the transport layer.
SPOTIFY_USE_STUB_DATA = (
    SPOTIFY.SPOTIFY_USE_STUB_DATA
    if SPOTIFY.SPOTIFY_USE_STUB_DATA is not None
    else IS_DEVELOPMENT and not SPOTIFY_CREDENTIALS_SET
)
if SPOTIFY_USE_STUB_DATA and not SPOTIFY_CREDENTIALS_SET:
    SOCIAL_AUTH_SPOTIFY_KEY = STUB_CLIENT_ID
    SOCIAL_AUTH_SPOTIFY_SECRET = STUB_CLIENT_SECRET

SPOTIFY_REQUEST_TIMEOUT_SECONDS = SPOTIFY.SPOTIFY_REQUEST_TIMEOUT_SECONDS
SPOTIFY_MAX_RETRIES = SPOTIFY.SPOTIFY_MAX_RETRIES
SPOTIFY_RETRY_BACKOFF_SECONDS = SPOTIFY.SPOTIFY_RETRY_BACKOFF_SECONDS
FEATURED_GENRES_FETCH_BUDGET_SECONDS = SPOTIFY.FEATURED_GENRES_FETCH_BUDGET_SECONDS
LISTENING_IMPORT_ON_SPOTIFY_LINK = SPOTIFY.LISTENING_IMPORT_ON_SPOTIFY_LINK
