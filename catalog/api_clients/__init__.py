"""Adapters for Spotify: the only code that knows Spotify's URLs, payloads and auth headers."""
