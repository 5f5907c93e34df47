"""What an outsider's odd requests get: a 4xx or a typed error, never a 500, a masked error or
another caller's message; private answers that no cache keeps; only our own Host names."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest

from api.graphql import GRAPHQL_RESPONSE_JSON
from tests.api.apiserver import Api, running_api

ME = "{ me { email } }"
CREATE = """mutation($input: CreatePrebookingInput!) { createPrebooking(input: $input) {
  __typename ... on ValidationError { field message } } }"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(tmp_path_factory.mktemp("hardening"), PREBOOK_BODY_TIMEOUT_S=0.5) as running:
        yield running


def expired_token(api: Api) -> str:
    return jwt.encode({"sub": "gone", "email": "gone@example.com", "exp": int(time.time()) - 5},
                      str(api.settings.auth.jwt_secret), algorithm="HS256")


def test_each_request_is_told_its_own_authentication_error(api: Api) -> None:
    expired = api.gql(ME, token=expired_token(api))
    assert expired["errors"][0]["message"] == "token expired"
    anonymous = api.gql(ME)
    assert anonymous["errors"][0]["message"] == "authentication required"


@pytest.mark.parametrize("claims", [{"sub": "s" * 300}, {"email": "e" * 400 + "@example.com"}])
def test_over_long_claims_are_an_invalid_token(api: Api, claims: dict[str, str]) -> None:
    payload = {"sub": "ok-subject", "email": "ok@example.com", "exp": int(time.time()) + 600,
               **claims}
    token = jwt.encode(payload, str(api.settings.auth.jwt_secret), algorithm="HS256")
    assert api.gql(ME, token=token)["errors"][0]["message"] == "invalid token"


def test_tokens_valid_for_years_are_refused(api: Api) -> None:
    forever = jwt.encode({"sub": "forever", "email": "forever@example.com",
                          "exp": 253402300799},  # 9999-12-31
                         str(api.settings.auth.jwt_secret), algorithm="HS256")
    assert api.gql(ME, token=forever)["errors"][0]["message"] == (
        "token lifetime is longer than allowed")


@pytest.mark.parametrize("depth", [100, 30_000])
def test_deeply_nested_json_is_a_400(api: Api, depth: int) -> None:
    body = b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * depth + b"]" * depth + b"}}"
    answer = httpx.post(f"{api.url}/graphql", content=body, timeout=10,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text


def test_variables_out_of_range_are_shown_not_masked(api: Api) -> None:
    query = "query($first: Int) { prebookings(first: $first) { edges { cursor } } }"
    token = api.token("counter@example.com")
    answer = api.post(query, {"first": 2147483648}, token=token)
    message = answer.json()["errors"][0]["message"]
    assert "32-bit" in message and message != "Unexpected error."
    strict = api.post(query, {"first": 2147483648}, token=token,
                      headers={"Accept": GRAPHQL_RESPONSE_JSON})
    assert strict.status_code == 400
    typo = api.post(CREATE, {"input": {"boxId": "1", "classId": "2", "day": "2030-01-01",
                                       "klass": "3"}}, token=token)
    assert "klass" in typo.json()["errors"][0]["message"]


@pytest.mark.parametrize("opens_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                      "2999-01-01T00:00:00Z"])
def test_extreme_openings_are_a_validation_error(api: Api, opens_at: str) -> None:
    token = api.token("timetraveller@example.com")
    result = api.gql(CREATE, {"input": {"boxId": "10001", "classId": "1", "day": "2030-01-01",
                                        "opensAt": opens_at}}, token=token)
    assert result["data"]["createPrebooking"]["__typename"] == "ValidationError", result
    assert result["data"]["createPrebooking"]["field"] == "opensAt"


def test_graphql_answers_are_not_stored_by_caches(api: Api) -> None:
    assert api.post(ME).headers["cache-control"] == "no-store"
    ide = httpx.get(f"{api.url}/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and ide.headers["cache-control"] == "no-store"
    assert "no-store" not in httpx.get(f"{api.url}/health").headers.get("cache-control", "")


def test_only_our_host_names_are_answered(api: Api) -> None:
    evil = {"Host": "evil.example"}
    assert httpx.get(f"{api.url}/health", headers=evil).status_code == 400
    redirect = httpx.get(f"{api.url}/graphql/", headers=evil)
    assert redirect.status_code == 400 and "evil" not in redirect.headers.get("location", "")
    for host in ("127.0.0.1", "localhost"):
        assert httpx.get(f"{api.url}/health", headers={"Host": host}).status_code == 200


def test_a_trickled_body_is_cut_off(api: Api) -> None:
    body = b'{"query": "{ __typename }"}'
    with socket.create_connection((api.server.host, api.server.port), timeout=5) as conn:
        conn.sendall(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:5])
        started = time.monotonic()
        answer = conn.recv(4096)  # nothing more is sent: the server must give up on its own
        assert time.monotonic() - started < 4
    assert answer.startswith(b"HTTP/1.1 408"), answer


def test_failing_aliases_leave_the_database_usable(api: Api) -> None:
    """graphql-core cancels the siblings of a failed field; none may be cancelled holding a
    transaction (on SQLite that would block every later request)."""
    token = api.token("unconnected-aliaser@example.com")
    aliases = " ".join(f'c{i}: classes(boxId: "10001", day: "2030-01-01") {{ id }}'
                       for i in range(15))
    for _ in range(10):  # past the `classes` rate limit: refusals among transactions
        answer = api.gql(f"{{ {aliases} }}", token=token)
        assert answer["data"] is None and answer["errors"]
    assert answer["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    started = time.monotonic()
    assert api.gql(ME, token=api.token("next-caller@example.com"))["data"] == {
        "me": {"email": "next-caller@example.com"}}
    assert time.monotonic() - started < 5
