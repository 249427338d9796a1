"""The OpenAPI schema documents each playback answer as it really comes back (issue 10.13): real answers
are validated against the schema the API publishes for their path, method and status."""

import uuid

import jsonschema
import pytest
import requests
import responses
from rest_framework.test import APIClient

from tests.factories_playback import link_spotify, make_user

TRACK_URI = "spotify:track:1IXGILkPm0tOCNeq00kCPa"
PLAYER = "https://api.spotify.com/v1/me/player"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _plain_json_schema(node, components):
    """OpenAPI 3.0 schema -> JSON Schema: `$ref` inlined, `nullable` as a null alternative."""
    if isinstance(node, list):
        return [_plain_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _plain_json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    plain = {key: _plain_json_schema(value, components) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [plain, {"type": "null"}]} if node.get("nullable") else plain


def documented_schema(openapi, method: str, path: str, status: int) -> dict:
    responses_ = openapi["paths"][path][method]["responses"]
    assert str(status) in responses_, f"{method.upper()} {path} answers {status}, which is not documented"
    schema = responses_[str(status)]["content"]["application/json"]["schema"]
    return _plain_json_schema(schema, openapi["components"]["schemas"])


def assert_documented(openapi, response, method: str, path: str) -> None:
    schema = documented_schema(openapi, method, path, response.status_code)
    jsonschema.validate(response.json(), schema)


@pytest.fixture
def listener(api_client):
    user = make_user()
    link_spotify(user)
    api_client.force_authenticate(user)
    return user


def test_field_errors_and_spotifys_refusals_are_documented_400s(api_client, openapi, listener):
    cases = [
        ("/api/v1/playback/play/", {"track_uri": "spotify:album:4QxzbfSsVryEQwvPFEV5Iu", "position_ms": -1}),
        ("/api/v1/playback/volume/", {"volume_percent": 101, "device_id": "a b"}),
        ("/api/v1/playback/pause/", {}),  # nothing playing: Spotify's NO_ACTIVE_DEVICE, with its reason
        ("/api/v1/playback/pause/", {"provider": "tidal"}),
        ("/api/v1/playback/transfer/", {"device_id": "unknown"}),
    ]
    for path, body in cases:
        response = api_client.post(path, body, format="json")

        assert response.status_code == 400, (path, response.content)
        assert_documented(openapi, response, "post", path)
    broken_json = api_client.post("/api/v1/playback/pause/", "{not json", content_type="application/json")
    assert broken_json.status_code == 400
    assert_documented(openapi, broken_json, "post", "/api/v1/playback/pause/")
    malformed_provider = api_client.get("/api/v1/playback/state/", {"provider": "x" * 40})
    assert "provider" in malformed_provider.json()
    assert_documented(openapi, malformed_provider, "get", "/api/v1/playback/state/")


def test_link_and_device_errors_are_documented_400s(api_client, openapi):
    api_client.force_authenticate(make_user())
    unlinked = [api_client.get("/api/v1/playback/state/"), api_client.get("/api/v1/playback/devices/")]
    no_device_user = make_user()
    link_spotify(no_device_user, spotify_id=f"nodevice{uuid.uuid4().hex[:8]}")
    api_client.force_authenticate(no_device_user)
    no_device = api_client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")

    assert_documented(openapi, unlinked[0], "get", "/api/v1/playback/state/")
    assert_documented(openapi, unlinked[1], "get", "/api/v1/playback/devices/")
    assert no_device.json()["code"] == "no_device"
    assert_documented(openapi, no_device, "post", "/api/v1/playback/play/")


def test_anonymous_401s_are_documented(api_client, openapi):
    assert_documented(openapi, api_client.get("/api/v1/playback/state/"), "get", "/api/v1/playback/state/")
    assert_documented(openapi, api_client.post("/api/v1/playback/next/", {}), "post", "/api/v1/playback/next/")


def test_spotify_failures_are_documented_502s_and_503s(api_client, openapi, listener, settings):
    settings.SPOTIFY_USE_STUB_DATA = False
    with responses.RequestsMock() as spotify:
        spotify.get(PLAYER, body=requests.ConnectionError("no route to host"))
        spotify.get(f"{PLAYER}/devices", json=[1, 2, 3])
        unreachable = api_client.get("/api/v1/playback/state/")
        malformed = api_client.get("/api/v1/playback/devices/")

    assert unreachable.status_code == 503
    assert_documented(openapi, unreachable, "get", "/api/v1/playback/state/")
    assert malformed.status_code == 502
    assert_documented(openapi, malformed, "get", "/api/v1/playback/devices/")


def test_success_bodies_are_documented(api_client, openapi, listener):
    played = api_client.post("/api/v1/playback/play/", {"track_uri": TRACK_URI}, format="json")
    state = api_client.get("/api/v1/playback/state/")
    device_list = api_client.get("/api/v1/playback/devices/")

    assert_documented(openapi, played, "post", "/api/v1/playback/play/")
    assert_documented(openapi, state, "get", "/api/v1/playback/state/")
    assert_documented(openapi, device_list, "get", "/api/v1/playback/devices/")


def test_the_documented_shapes_reject_what_the_api_never_sends(openapi):
    upstream = documented_schema(openapi, "get", "/api/v1/playback/state/", 503)
    bad_request = documented_schema(openapi, "post", "/api/v1/playback/play/", 400)

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"detail": "Spotify is temporarily unavailable. Please try again."}, upstream)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"track_uri": "Enter a Spotify track URI."}, bad_request)  # a message, not a list
