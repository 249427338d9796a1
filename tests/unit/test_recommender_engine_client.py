"""The engine adapter: request building, response parsing and error mapping (HTTP stubbed with recorded JSON)."""

import json
from pathlib import Path

import httpx
import pytest

from core.exceptions import BadGateway, ServiceUnavailable
from recommender.engine_client import UNAVAILABLE_MESSAGE, EngineClient, EngineRejected

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _client(handler) -> EngineClient:
    return EngineClient(base_url="http://engine.test/", timeout=1.0, transport=httpx.MockTransport(handler))


def test_recommend_sends_the_documented_request_and_parses_the_documented_response():
    sent = {}

    def handler(request: httpx.Request) -> httpx.Response:
        sent["path"] = request.url.path
        sent["body"] = json.loads(request.content)
        return httpx.Response(200, json=_fixture("recommend_response.json"))

    expected = _fixture("recommend_request.json")
    answer = _client(handler).recommend(**expected)
    assert sent["path"] == "/recommend"
    assert sent["body"] == expected
    assert [item.name for item in answer.artists] == ["The Black Keys", "The Strokes"]
    assert answer.artists[0].likeness == 0.912
    assert answer.artists[0].extra["metadata"] == {"genres": ["blues rock", "garage rock", "modern blues rock"]}
    assert answer.albums == []
    assert answer.model_version == "juke-20261124-0100"
    assert answer.generated_at == "2026-11-24T01:02:03.456Z"
    assert answer.unresolved == ["garage rock"]


def test_resource_types_are_only_sent_when_given():
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"artists": [], "albums": [], "tracks": [], "model_version": None})

    answer = _client(handler).recommend(seed_vectors=[[1.0, 0.0]])
    assert "resource_types" not in bodies[0]
    assert answer.model_version == "unknown"


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("hung up"),
    ],
)
def test_connection_errors_and_timeouts_are_503_with_the_contract_message(failure):
    def handler(request):
        raise failure

    with pytest.raises(ServiceUnavailable) as error:
        _client(handler).recommend(seed_vectors=[[1.0]])
    assert error.value.detail == UNAVAILABLE_MESSAGE
    assert error.value.status_code == 503


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_engine_5xx_is_503(status):
    with pytest.raises(ServiceUnavailable):
        _client(lambda request: httpx.Response(status, json=_fixture("error_unavailable.json"))).recommend(
            seed_vectors=[[1.0]]
        )


def test_engine_400_is_a_rejection_carrying_its_detail():
    with pytest.raises(EngineRejected) as error:
        _client(lambda request: httpx.Response(400, json=_fixture("recommend_error_no_seed.json"))).recommend(
            artists=["Nobody At All"], seed_vectors=[]
        )
    assert "Nobody At All" in error.value.detail


@pytest.mark.parametrize(
    "response", [httpx.Response(422, json={"detail": []}), httpx.Response(200, text="<html>not json</html>")]
)
def test_a_broken_exchange_is_502(response):
    with pytest.raises(BadGateway):
        _client(lambda request: response).recommend(seed_vectors=[[1.0]])
