"""Imports every stub route module so their handlers are registered."""

from catalog.spotify_stub import accounts  # noqa: F401
