"""Spotify sign-in backend: social-core's SpotifyOAuth2, talking HTTP through our Spotify session."""

import requests
from django.conf import settings
from django.urls import reverse
from social_core.backends.spotify import SpotifyOAuth2
from social_core.exceptions import AuthConfigurationError, AuthProviderError
from social_core.utils import http_error

from integrations.spotify.http import spotify_http_session
from juke_auth.throttles import client_address


class JukeSpotifyOAuth2(SpotifyOAuth2):
    """Spotify OAuth2 with: HTTP through spotify_http_session() (stubbed offline), the redirect URI built from
    BACKEND_URL + SPOTIFY_REDIRECT_PATH, token expiry kept in extra_data, and the OAuth state cached so a
    callback that lost its session cookie can still complete.
    """

    # extra_data keys: access_token, token_type and auth_time (added by social-core), plus these.
    # A missing refresh token never overwrites a stored one (discard=True).
    EXTRA_DATA = [("refresh_token", "refresh_token", True), ("expires_in", "expires")]

    def authorization_url(self) -> str:
        """Spotify's authorize page; in stub mode, our offline stand-in for it (see StubSpotifyAuthorizeView)."""
        if settings.SPOTIFY_USE_STUB_DATA:
            return f"{settings.BACKEND_URL}{reverse('social:stub-authorize')}"
        return super().authorization_url()

    def get_redirect_uri(self, state=None) -> str:
        return f"{settings.BACKEND_URL}{settings.SPOTIFY_REDIRECT_PATH}"

    def get_or_create_state(self):
        from juke_auth.services.social import spotify_oauth_state_remember

        state = super().get_or_create_state()
        request = getattr(self.strategy, "request", None)
        if state and request is not None:
            # social-core keeps the OAuth transaction in the session under this key (plus a one-time nonce
            # in the database); the cache copy lets a callback without the session cookie complete.
            session_key = self.transaction_key(state)
            spotify_oauth_state_remember(
                backend_name=self.name,
                state=state,
                user=getattr(request, "user", None),
                session_key=session_key,
                session_value=self.strategy.session_get(session_key),
                client=client_address(request),
            )
        return state

    def request(
        self,
        url,
        *,
        method="GET",
        headers=None,
        data=None,
        json=None,
        auth=None,
        params=None,
        timeout=None,
        stage="user_info",
    ):
        """social-core's request(), sent through spotify_http_session() with our Spotify timeout."""
        headers = {} if headers is None else dict(headers)
        timeout = timeout or settings.SPOTIFY_REQUEST_TIMEOUT_SECONDS
        session = spotify_http_session()
        try:
            response = session.request(
                method, url, headers=headers, data=data, json=json, auth=auth, params=params, timeout=timeout
            )
        except requests.Timeout as error:
            raise AuthProviderError(self, code="timeout", stage=stage) from error
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema) as error:
            raise AuthConfigurationError(self, code="invalid_setting", parameter="url", stage=stage) from error
        except requests.ConnectionError as error:
            raise AuthProviderError(self, code="connection_failed", stage=stage) from error
        except requests.RequestException as error:
            raise AuthProviderError(self, stage=stage) from error
        finally:
            session.close()
        try:
            response.raise_for_status()
        except requests.HTTPError as error:
            raise http_error(self, error, stage=stage) from error
        return response
