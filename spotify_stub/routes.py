"""Imports every stub route module so their handlers are registered."""

from spotify_stub import accounts, catalog_routes, library_routes, player  # noqa: F401
