"""A deterministic, offline stand-in for Spotify, answering at the HTTP transport layer.

Route modules register handlers with `transport.route`; `transport.py` imports them all.
"""
