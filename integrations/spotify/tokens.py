"""Spotify's accounts service for a user's tokens: the refresh_token grant.

https://developer.spotify.com/documentation/web-api/tutorials/refreshing-tokens
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings

from integrations.spotify.errors import SpotifyAuthError, SpotifyBadGateway, SpotifyRateLimited, SpotifyUnavailable
from integrations.spotify.http import SPOTIFY_ACCOUNTS_ORIGIN, spotify_http_session

SPOTIFY_TOKEN_URL = f"{SPOTIFY_ACCOUNTS_ORIGIN}api/token"


@dataclass(frozen=True)
class SpotifyTokenGrant:
    """Spotify's answer to a refresh_token grant; `refresh_token` only when Spotify rotated it."""

    access_token: str
    token_type: str
    expires_in: int | None
    refresh_token: str | None
    scope: str | None


def retry_after_seconds(headers) -> float | None:
    """Spotify's Retry-After header in seconds, or None when absent or unreadable."""
    try:
        return float(headers.get("Retry-After")) if headers and headers.get("Retry-After") else None
    except (TypeError, ValueError):
        return None


def spotify_access_token_refresh(*, refresh_token: str) -> SpotifyTokenGrant:
    """Exchange a refresh token for a new access token (accounts service, refresh_token grant).

    Calls Spotify. Raises SpotifyAuthError when Spotify refuses the refresh token.
    """
    session = spotify_http_session()
    try:
        response = session.post(
            SPOTIFY_TOKEN_URL,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(settings.SOCIAL_AUTH_SPOTIFY_KEY, settings.SOCIAL_AUTH_SPOTIFY_SECRET),
            timeout=settings.SPOTIFY_REQUEST_TIMEOUT_SECONDS,
        )
    except requests.Timeout as exc:
        raise SpotifyUnavailable("Spotify did not answer in time.") from exc
    except requests.RequestException as exc:
        raise SpotifyUnavailable("Spotify could not be reached.") from exc
    finally:
        session.close()

    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.status_code == 200 and isinstance(payload, dict) and payload.get("access_token"):
        expires_in = payload.get("expires_in")
        return SpotifyTokenGrant(
            access_token=str(payload["access_token"]),
            token_type=str(payload.get("token_type") or "Bearer"),
            expires_in=int(expires_in) if isinstance(expires_in, int | float) else None,
            refresh_token=payload.get("refresh_token") or None,
            scope=payload.get("scope"),
        )
    description = ""
    if isinstance(payload, dict):
        description = str(payload.get("error_description") or payload.get("error") or "")
    if response.status_code in (400, 401, 403):
        raise SpotifyAuthError(description or "Spotify refused the refresh token.", status_code=response.status_code)
    if response.status_code == 429:
        raise SpotifyRateLimited("Spotify is rate limiting us.", retry_after=retry_after_seconds(response.headers))
    if response.status_code >= 500:
        raise SpotifyUnavailable(f"Spotify answered {response.status_code}.", status_code=response.status_code)
    raise SpotifyBadGateway(f"Unexpected answer from Spotify's token endpoint ({response.status_code}).")
