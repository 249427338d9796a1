"""The error bodies every endpoint shares, for the OpenAPI schema (core.exceptions produces them)."""

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
