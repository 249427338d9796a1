"""Spotify: app credentials, stub mode, timeouts."""

from settings.base import IS_DEVELOPMENT, RUNNING_TESTS
from settings.env import env_bool, env_float, env_int, env_list, env_str

SOCIAL_AUTH_SPOTIFY_KEY = env_str("SOCIAL_AUTH_SPOTIFY_KEY")
SOCIAL_AUTH_SPOTIFY_SECRET = env_str("SOCIAL_AUTH_SPOTIFY_SECRET")
SOCIAL_AUTH_SPOTIFY_SCOPE = env_list(
    "SOCIAL_AUTH_SPOTIFY_SCOPE",
    [
        "user-read-playback-state",
        "user-read-currently-playing",
        "user-modify-playback-state",
        # Listening history: recently played (periodic import), top items and saved tracks (on first link).
        "user-read-recently-played",
        "user-top-read",
        "user-library-read",
    ],
    separators=", ",
)
SPOTIFY_CREDENTIALS_SET = bool(SOCIAL_AUTH_SPOTIFY_KEY and SOCIAL_AUTH_SPOTIFY_SECRET)

# Stub mode answers every Spotify HTTP call from spotify_stub, in-process at the transport layer.
# It is on in tests and whenever no Spotify credentials are configured.
# Outside development the stub is never chosen silently: without credentials Spotify calls fail with clear errors.
SPOTIFY_USE_STUB_DATA = RUNNING_TESTS or env_bool(
    "SPOTIFY_USE_STUB_DATA", not SPOTIFY_CREDENTIALS_SET and IS_DEVELOPMENT
)
if SPOTIFY_USE_STUB_DATA and not SPOTIFY_CREDENTIALS_SET:
    SOCIAL_AUTH_SPOTIFY_KEY = "stub-client-id"
    SOCIAL_AUTH_SPOTIFY_SECRET = "stub-client-secret"

SPOTIFY_REQUEST_TIMEOUT_SECONDS = env_float("SPOTIFY_REQUEST_TIMEOUT_SECONDS", 5.0, minimum=0.1)
SPOTIFY_MAX_RETRIES = env_int("SPOTIFY_MAX_RETRIES", 3, minimum=0, maximum=10)
FEATURED_GENRES_FETCH_BUDGET_SECONDS = env_float("FEATURED_GENRES_FETCH_BUDGET_SECONDS", 6.0, minimum=0.1)

# Import a user's Spotify history (top items, saved tracks, recently played) as soon as they link Spotify.
# Off in tests, where linking happens in many tests that are not about history.
LISTENING_IMPORT_ON_SPOTIFY_LINK = env_bool("LISTENING_IMPORT_ON_SPOTIFY_LINK", not RUNNING_TESTS)
