"""HTTP-level limits and conventions of /graphql and /api/jobs/: body size, batching, aliases,
tokens, and the GraphQL-over-HTTP media type and status codes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from api.graphql import GRAPHQL_RESPONSE_JSON, MAX_ALIASES, MAX_TOKENS
from api.settings import DEFAULT_MAX_BODY_BYTES
from tests.stack import Stack, running_stack

ME = "{ me { email } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("limits")) as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    token = stack.token("limits@example.com")
    with httpx.Client(base_url=stack.api.url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        yield http


def test_an_ordinary_query_passes(client: httpx.Client) -> None:
    answer = client.post("/graphql", json={"query": ME})
    assert answer.status_code == 200
    assert answer.json() == {"data": {"me": {"email": "limits@example.com"}}}


def test_batching_is_off(client: httpx.Client) -> None:
    answer = client.post("/graphql", json=[{"query": ME}, {"query": ME}])
    assert answer.status_code == 400
    assert "Batching is not enabled" in answer.text


def test_a_declared_oversized_body_is_refused_before_reading(client: httpx.Client) -> None:
    padding = "x" * (DEFAULT_MAX_BODY_BYTES + 1)
    answer = client.post("/graphql", json={"query": ME, "variables": {"pad": padding}})
    assert answer.status_code == 413
    assert answer.json() == {"error": f"request body larger than {DEFAULT_MAX_BODY_BYTES} bytes"}


def test_a_streamed_oversized_body_is_refused(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"query": "{ me { email } }", "variables": {"pad": "'
        for _ in range(DEFAULT_MAX_BODY_BYTES // 8192 + 2):
            yield b"x" * 8192
        yield b'"}}'

    answer = client.post("/graphql", content=chunks(),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


def test_a_body_just_under_the_limit_passes(client: httpx.Client) -> None:
    body = {"query": ME, "variables": {"pad": ""}}
    room = DEFAULT_MAX_BODY_BYTES - len(json.dumps(body))
    body["variables"] = {"pad": "x" * room}
    answer = client.post("/graphql", content=json.dumps(body),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def test_job_deliveries_have_the_same_limit(stack: Stack) -> None:
    answer = httpx.post(f"{stack.api.url}/api/jobs/prebooking/execute",
                        content=b"{" + b" " * DEFAULT_MAX_BODY_BYTES + b"}",
                        headers={"Content-Type": "application/json", "Upstash-Signature": "x"})
    assert answer.status_code == 413


def test_too_many_aliases_are_refused(client: httpx.Client) -> None:
    allowed = " ".join(f"a{i}: me {{ email }}" for i in range(MAX_ALIASES))
    assert "errors" not in client.post("/graphql", json={"query": f"{{ {allowed} }}"}).json()
    refused = " ".join(f"a{i}: me {{ email }}" for i in range(MAX_ALIASES + 1))
    answer = client.post("/graphql", json={"query": f"{{ {refused} }}"}).json()
    assert answer["data"] is None
    assert "aliases found" in answer["errors"][0]["message"]


def test_too_many_tokens_are_refused(client: httpx.Client) -> None:
    query = "{ me { " + " ".join(["email"] * MAX_TOKENS) + " } }"
    answer = client.post("/graphql", json={"query": query}).json()
    assert answer["data"] is None
    assert "more than" in answer["errors"][0]["message"] and "tokens" in (
        answer["errors"][0]["message"])


def test_graphql_response_json_when_accepted(client: httpx.Client) -> None:
    accept = {"Accept": f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9"}
    ok = client.post("/graphql", json={"query": ME}, headers=accept)
    assert ok.status_code == 200
    assert ok.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    invalid = client.post("/graphql", json={"query": "{ me { nope } }"}, headers=accept)
    assert invalid.status_code == 400
    assert invalid.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    assert "nope" in invalid.json()["errors"][0]["message"]
    unparsable = client.post("/graphql", json={"query": "{ me {"}, headers=accept)
    assert unparsable.status_code == 400 and "Syntax Error" in unparsable.text


def test_application_json_keeps_200_for_invalid_documents(client: httpx.Client) -> None:
    answer = client.post("/graphql", json={"query": "{ me { nope } }"},
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["errors"]


def test_an_execution_error_is_not_a_client_error(stack: Stack) -> None:
    # Anonymous `me` is refused while executing (data is null), not while validating: 200.
    answer = httpx.post(f"{stack.api.url}/graphql", json={"query": ME},
                        headers={"Accept": GRAPHQL_RESPONSE_JSON})
    assert answer.status_code == 200
    assert answer.json()["errors"][0]["message"] == "authentication required"


def test_json_that_does_not_parse_is_a_400(client: httpx.Client) -> None:
    answer = client.post("/graphql", content=b"{not json",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
