"""The engine adapter: request building, response parsing and error mapping (HTTP stubbed with recorded JSON)."""

import base64
import json
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from core.circuit_breaker import CircuitBreaker
from core.exceptions import domain_error_response
from recommender.engine_client import UNAVAILABLE_MESSAGE, EngineClient, EngineRejected
from recommender.errors import EngineBadAnswer, EngineUnavailable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _client(handler, breaker: CircuitBreaker | None = None) -> EngineClient:
    return EngineClient(
        base_url="http://engine.test/",
        timeout=1.0,
        transport=httpx.MockTransport(handler),
        breaker=breaker or CircuitBreaker("engine under test"),
    )


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

    with pytest.raises(EngineUnavailable) as error:
        _client(handler).recommend(seed_vectors=[[1.0]])
    response = domain_error_response(error.value)
    assert response.status_code == 503
    assert response.data["detail"] == UNAVAILABLE_MESSAGE


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_engine_5xx_is_503(status):
    with pytest.raises(EngineUnavailable):
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
    with pytest.raises(EngineBadAnswer):
        _client(lambda request: response).recommend(seed_vectors=[[1.0]])


def test_after_three_failures_the_circuit_opens_and_the_engine_is_not_called_until_the_cool_down_ends():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadTimeout("hung")

    client = _client(handler, CircuitBreaker("engine under test", failure_threshold=3, cooldown_seconds=60))
    for _ in range(5):
        with pytest.raises(EngineUnavailable) as error:
            client.recommend(seed_vectors=[[1.0]])

    assert len(calls) == 3
    assert client.breaker.state == "open"
    assert 50 < error.value.retry_after <= 60
    assert domain_error_response(error.value)["Retry-After"] == str(round(error.value.retry_after))


def test_after_the_cool_down_one_probe_goes_through_and_its_success_closes_the_circuit():
    answers = iter([httpx.ConnectError("refused"), httpx.ConnectError("refused")])

    def handler(request):
        failure = next(answers, None)
        if failure:
            raise failure
        return httpx.Response(200, json={"artists": [], "albums": [], "tracks": [], "model_version": "m1"})

    client = _client(handler, CircuitBreaker("engine under test", failure_threshold=2, cooldown_seconds=0.05))
    for _ in range(2):
        with pytest.raises(EngineUnavailable):
            client.recommend(seed_vectors=[[1.0]])
    assert client.breaker.state == "open"

    time.sleep(0.06)
    assert client.recommend(seed_vectors=[[1.0]]).model_version == "m1"
    assert client.breaker.state == "closed"


def test_a_failed_probe_opens_the_circuit_again_at_once():
    breaker = CircuitBreaker("engine under test", failure_threshold=1, cooldown_seconds=0.05)
    client = _client(lambda request: httpx.Response(503, json={}), breaker)
    with pytest.raises(EngineUnavailable):
        client.recommend(seed_vectors=[[1.0]])
    time.sleep(0.06)
    assert breaker.state == "half-open"

    with pytest.raises(EngineUnavailable):
        client.recommend(seed_vectors=[[1.0]])

    assert breaker.state == "open"


def test_a_rejection_or_a_bad_answer_does_not_count_as_the_engine_being_down():
    breaker = CircuitBreaker("engine under test", failure_threshold=1, cooldown_seconds=60)
    with pytest.raises(EngineBadAnswer):
        _client(lambda request: httpx.Response(422, json={}), breaker).recommend(seed_vectors=[[1.0]])
    with pytest.raises(EngineRejected):
        _client(lambda request: httpx.Response(400, json={"detail": "no"}), breaker).recommend(seed_vectors=[[1.0]])

    assert breaker.state == "closed"


def test_the_connect_timeout_is_short_and_the_read_timeout_is_the_setting():
    client = EngineClient(base_url="http://127.0.0.1:9", timeout=0.5)

    timeout = client._client().timeout

    assert (timeout.connect, timeout.read) == (0.2, 0.5)


def test_result_vectors_are_asked_for_and_taken_out_of_extra():
    bodies = []
    vector = np.array([0.6, 0.8], dtype="<f4")

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        extra = {"spotify_id": "a", "model_version": "v", "quality_score": 1.0}
        items = [
            {
                "name": "Sent",
                "likeness": 0.9,
                "extra": {**extra, "vector": base64.b64encode(vector.tobytes()).decode()},
            },
            {"name": "Unreadable", "likeness": 0.8, "extra": {**extra, "vector": "not base64!"}},
            {"name": "Without", "likeness": 0.7, "extra": extra},
        ]
        return httpx.Response(200, json={"artists": items, "albums": [], "tracks": [], "model_version": "v"})

    answer = _client(handler).recommend(seed_vectors=[[1.0, 0.0]], include_vectors=True)
    _client(handler).recommend(seed_vectors=[[1.0, 0.0]])

    assert bodies[0]["include_vectors"] is True
    assert "include_vectors" not in bodies[1]
    assert np.frombuffer(answer.artists[0].vector, dtype="<f4").tolist() == vector.tolist()
    assert [item.vector for item in answer.artists[1:]] == [None, None]
    assert all("vector" not in item.extra for item in answer.artists)
