"""Token authentication (django-rest-knox) and the token manager django-rest-registration uses."""

from knox.auth import TokenAuthentication
from knox.models import get_token_model
from rest_framework import exceptions
from rest_registration.auth_token_managers import AbstractAuthTokenManager, AuthToken
from rest_registration.exceptions import AuthTokenNotFound


class JukeTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; keys are stored hashed, one per sign-in. `Bearer` is not accepted."""

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if b"\x00" in token:  # PostgreSQL refuses NUL in a text lookup; no key contains one
            raise exceptions.AuthenticationFailed("Invalid token.")
        return super().authenticate_credentials(token)


class KnoxAuthTokenManager(AbstractAuthTokenManager):
    """Lets rest-registration's own login/logout endpoints hand out and revoke knox tokens."""

    def get_authentication_class(self):
        return JukeTokenAuthentication

    def get_app_names(self):
        return ["knox"]

    def provide_token(self, user) -> AuthToken:
        from juke_auth.services.tokens import auth_token_issue

        return AuthToken(auth_token_issue(user=user))

    def revoke_token(self, user, *, token=None) -> None:
        tokens = get_token_model().objects.filter(user=user)
        if not tokens.exists():
            raise AuthTokenNotFound()
        tokens.delete()
