"""Token authentication (django-rest-knox)."""

from knox.auth import TokenAuthentication
from rest_framework import exceptions


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
