"""Accounts, sign-in, users and music-profile endpoints, one module per concern (see juke_auth/urls.py)."""
