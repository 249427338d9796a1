"""Test settings: the base settings with Spotify always stubbed, tasks inline, fast hashing and in-memory mail.

Only this file knows it is a test run; production settings never detect the test runner.
"""

from settings.base import *  # noqa: F403

SPOTIFY_USE_STUB_DATA = True
SOCIAL_AUTH_SPOTIFY_KEY = STUB_CLIENT_ID
SOCIAL_AUTH_SPOTIFY_SECRET = STUB_CLIENT_SECRET
CELERY_TASK_ALWAYS_EAGER = True
# Many tests link Spotify without being about listening history; the history tests turn this on.
LISTENING_IMPORT_ON_SPOTIFY_LINK = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "juke-tests"}}
# The test cache is per process and tests roll their writes back: the answer-cache tests turn it on with Redis.
ANSWER_CACHE_SECONDS = 0
