"""OpenAPI description of our token authentication (imported by JukeAuthConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class JukeTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "juke_auth.authentication.JukeTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token-based authentication: "Token <40 hex characters>" (one token per sign-in).',
        }
