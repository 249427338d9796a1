"""The OpenAPI schema: the error bodies every endpoint shares (core.exceptions produces them), and the schema
class that documents the answers views do not declare one by one."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

ERROR_BODY = {
    "type": "object",
    "description": "A domain or request error: a message a client developer can act on and a stable code.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS_BODY = {
    "type": "object",
    "description": 'Invalid input, by field: `{"<field>": ["message", ...]}` (nested for list and object fields).',
    "additionalProperties": {},
}


def error_response(description: str, *, field_errors: bool = False) -> OpenApiResponse:
    """`{detail, code}`; with field_errors, also the `{field: [message]}` shape a serializer's validation gives."""
    body = {"anyOf": [ERROR_BODY, FIELD_ERRORS_BODY]} if field_errors else ERROR_BODY
    return OpenApiResponse(response=body, description=description)


THROTTLED = error_response("Too many attempts from this address: wait for the seconds in Retry-After.")


class JukeAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the 429 of every rate-limited operation (so none can forget to say it)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and self._is_rate_limited() and "429" not in responses:
            responses["429"] = self._get_response_for_code(THROTTLED, "429")
        return responses

    def _is_rate_limited(self) -> bool:
        # Scoped throttles (the only kind Juke uses) limit nothing on a view without a scope.
        return bool(getattr(self.view, "throttle_classes", None)) and bool(getattr(self.view, "throttle_scope", None))
