from knox.auth import TokenAuthentication


class JukeTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; keys are stored hashed, one per sign-in."""
