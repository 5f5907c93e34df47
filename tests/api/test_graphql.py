"""The GraphQL API's answers to users: typed errors, pagination, offline GraphiQL, secrecy."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from api.graphql import MAX_ALIASES
from booking.prebookings import MAX_PENDING_PER_USER
from models.encryption import Vault
from tests.e2e.jobkit import query
from tests.e2e.test_scenario import CONNECT, CREATE, connect
from tests.stack import DEMO_BOX_ID, Stack, running_stack

SOON = (date.today() + timedelta(days=10)).isoformat()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("graphql")) as running:
        yield running


def create(stack: Stack, token: str, **fields: object) -> dict[str, object]:
    return stack.gql(CREATE, {"input": fields}, token=token)["data"]["createPrebooking"]  # type: ignore[no-any-return]


def test_graphiql_is_served_offline_with_the_cdn_files(stack: Stack) -> None:
    page = httpx.get(f"{stack.api.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text
    assets = re.findall(r'(?:src|href)="(/static/vendor/[^"]+)"\s+integrity="([^"]+)"', page.text)
    assert len(assets) >= 5
    for path, integrity in assets:
        algorithm, _, expected = integrity.partition("-")
        body = httpx.get(stack.api.url + path).content
        digest = base64.b64encode(hashlib.new(algorithm, body).digest()).decode()
        assert digest == expected, path


def test_not_connected_and_bad_credentials(stack: Stack) -> None:
    token = stack.token("newcomer@example.com")
    result = create(stack, token, boxId=DEMO_BOX_ID, classId="123", day=SOON)
    assert result["__typename"] == "NotConnected"
    wrong = stack.gql(CONNECT, {"email": "athlete@example.com", "password": "nope"}, token=token)
    assert wrong["data"]["connectAimharder"]["__typename"] == "InvalidCredentials"
    not_email = stack.gql(CONNECT, {"email": "nobody", "password": "x"}, token=token)
    assert not_email["data"]["connectAimharder"]["__typename"] == "InvalidCredentials"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"classId": "../../etc"}, "classId"),
        ({"classId": ""}, "classId"),
        ({"boxId": "99999"}, "boxId"),
        ({"familyId": "a b"}, "familyId"),
        ({"day": "2001-01-01"}, "day"),
        ({"opensAt": SOON + "T10:00:00"}, "opensAt"),
    ],
)
def test_bad_input_is_a_validation_error(stack: Stack, fields: dict[str, str], field: str) -> None:
    member = f"validator-{field}-{sorted(fields.values())[0][:4]}@example.com"
    token = stack.token(member)
    connect(stack, token, "box-" + member)
    base = {"boxId": DEMO_BOX_ID, "classId": "123", "day": SOON}
    result = create(stack, token, **{**base, **fields})
    assert result == {"__typename": "ValidationError", "field": field,
                      "message": result["message"]}


def test_unknown_class_is_class_not_found(stack: Stack) -> None:
    token = stack.token("lost@example.com")
    connect(stack, token, "box-lost@example.com")
    demo = stack.fake_class(opens_in=3600)
    result = create(stack, token, boxId=DEMO_BOX_ID, classId="424242", day=demo["day"])
    assert result["__typename"] == "ClassNotFound"


def test_prebookings_page_newest_first(stack: Stack) -> None:
    token = stack.token("pager@example.com")
    connect(stack, token, "box-pager@example.com")
    ids = []
    for hours in (1, 2, 3):
        demo = stack.fake_class(opens_in=3600 * hours)
        result = create(stack, token, boxId=DEMO_BOX_ID, classId=demo["id"], day=demo["day"],
                        opensAt=demo["opensAt"])
        ids.append(result["id"])
    page = """query($after: String) { prebookings(first: 2, after: $after) {
      edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    first = stack.gql(page, {"after": None}, token=token)["data"]["prebookings"]
    assert [e["node"]["id"] for e in first["edges"]] == [ids[2], ids[1]]
    assert first["pageInfo"]["hasNextPage"] is True
    second = stack.gql(page, {"after": first["pageInfo"]["endCursor"]}, token=token)
    rest = second["data"]["prebookings"]
    assert [e["node"]["id"] for e in rest["edges"]] == [ids[0]]
    assert rest["pageInfo"]["hasNextPage"] is False
    pending = stack.gql("{ prebookings(status: [COMPLETED]) { edges { node { id } } } }",
                        token=token)
    assert pending["data"]["prebookings"]["edges"] == []
    too_many = stack.gql("{ prebookings(first: 1000) { edges { cursor } } }", token=token)
    assert "first must be between" in too_many["errors"][0]["message"]


def test_connecting_is_rate_limited_per_user(stack: Stack) -> None:
    token = stack.token("hammer@example.com")
    answers = [stack.gql(CONNECT, {"email": f"target{i}@example.com", "password": "guess"},
                         token=token) for i in range(6)]
    assert [a["data"]["connectAimharder"]["__typename"] for a in answers[:5]] == [
        "InvalidCredentials"] * 5
    assert answers[5]["data"] is None
    assert answers[5]["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    other = stack.gql(CONNECT, {"email": "target0@example.com", "password": "nope"},
                      token=stack.token("patient@example.com"))
    assert other["data"]["connectAimharder"]["__typename"] == "InvalidCredentials"


def test_connecting_is_rate_limited_per_aimharder_account(stack: Stack) -> None:
    """Several prebook identities cannot pool their allowances against one AimHarder account:
    the sixth guess within ten minutes is refused whoever sends it, and however the email is
    written."""
    email, password = stack.fake_member("guarded-member@example.com", "the-real-one")
    spellings = [email, email.upper(), f"  {email}", email.title(), email]
    answers = [stack.gql(CONNECT, {"email": spelling, "password": f"guess{i}"},
                         token=stack.token(f"guesser{i}@example.com"))
               for i, spelling in enumerate(spellings)]
    assert [a["data"]["connectAimharder"]["__typename"] for a in answers] == [
        "InvalidCredentials"] * 5
    right = stack.gql(CONNECT, {"email": email, "password": password},
                      token=stack.token("guesser5@example.com"))
    assert right["data"] is None, "the right password must not be tried a sixth time"
    assert right["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    assert "AimHarder account" in right["errors"][0]["message"]


def test_pending_prebookings_are_capped_per_user(stack: Stack) -> None:
    token = stack.token("hoarder@example.com")
    connect(stack, token, "box-hoarder@example.com")
    results = []
    for i in range(MAX_PENDING_PER_USER + 1):
        demo = stack.fake_class(opens_in=3600 + 3600 * i)
        results.append(create(stack, token, boxId=DEMO_BOX_ID, classId=demo["id"],
                              day=demo["day"], opensAt=demo["opensAt"]))
    assert {r["__typename"] for r in results[:-1]} == {"Prebooking"}
    assert results[-1]["__typename"] == "ValidationError"
    assert "limit" in results[-1]["message"]


def test_aliased_class_lists_share_one_box_request_and_are_rate_limited(stack: Stack) -> None:
    token = stack.token("aliaser@example.com")
    connect(stack, token, "box-aliaser@example.com")
    day = stack.fake_class(opens_in=7200)["day"]
    aliases = " ".join(f'c{i}: classes(boxId: "{DEMO_BOX_ID}", day: "{day}") {{ id }}'
                       for i in range(MAX_ALIASES))
    before = len([r for r in stack.box_requests() if str(r["path"]).endswith("/api/bookings")])
    first = stack.gql(f"{{ {aliases} }}", token=token)
    assert "errors" not in first and len({str(v) for v in first["data"].values()}) == 1
    after = len([r for r in stack.box_requests() if str(r["path"]).endswith("/api/bookings")])
    assert after - before == 1, f"{after - before} requests to the box for one class list"
    # Each alias counts: 120 per minute is 8 such documents, and the 9th is refused.
    answers = [stack.gql(f"{{ {aliases} }}", token=token) for _ in range(8)]
    assert "errors" not in answers[6]
    codes = {e.get("extensions", {}).get("code") for e in answers[7].get("errors", [])}
    assert codes == {"RATE_LIMITED"}


def test_the_pending_cap_holds_under_concurrent_creates(stack: Stack) -> None:
    token = stack.token("racer@example.com")
    connect(stack, token, "box-racer@example.com")
    for i in range(MAX_PENDING_PER_USER - 1):
        demo = stack.fake_class(opens_in=3600 + 3600 * i)
        assert create(stack, token, boxId=DEMO_BOX_ID, classId=demo["id"], day=demo["day"],
                      opensAt=demo["opensAt"])["__typename"] == "Prebooking"
    # 49 + 10 creates stay under the 60 creates a user may make a minute.
    racing = [stack.fake_class(opens_in=200_000 + 3600 * i) for i in range(10)]
    with ThreadPoolExecutor(len(racing)) as pool:
        results = list(pool.map(lambda demo: create(
            stack, token, boxId=DEMO_BOX_ID, classId=demo["id"], day=demo["day"],
            opensAt=demo["opensAt"]), racing))
    assert sorted(r["__typename"] for r in results) == ["Prebooking"] + ["ValidationError"] * 9
    pending = stack.gql("{ prebookings(status: [PENDING], first: 100) { edges { cursor } } }",
                        token=token)["data"]["prebookings"]["edges"]
    assert len(pending) == MAX_PENDING_PER_USER


def test_unexpected_errors_are_masked(stack: Stack) -> None:
    token = stack.token("unlucky@example.com")
    query(stack, "ALTER TABLE notifications RENAME TO notifications_away")
    try:
        answer = stack.gql("{ notifications { id } }", token=token)
    finally:
        query(stack, "ALTER TABLE notifications_away RENAME TO notifications")
    assert answer["errors"][0]["message"] == "Unexpected error."
    assert "table" not in json.dumps(answer["errors"])  # no SQL, no table names
    assert stack.gql("{ notifications { id } }", token=token)["data"] == {"notifications": []}


def test_credentials_are_encrypted_at_rest(stack: Stack) -> None:
    token = stack.token("secretive@example.com")
    email, password = stack.fake_member("secretive-member@example.com", "Pa55-unique-secret")
    data = stack.gql(CONNECT, {"email": email, "password": password}, token=token)
    assert data["data"]["connectAimharder"]["__typename"] == "AimharderAccount"
    stored, token_enc = query(stack, "SELECT password_enc, token_enc FROM aimharder_accounts "
                                     "WHERE email=?", email)[0]
    assert password not in stored
    assert Vault(str(stack.settings.auth.secret_key)).decrypt(stored) == password
    assert token_enc and Vault(str(stack.settings.auth.secret_key)).decrypt(token_enc)
    url = stack.settings.server.database_url
    if url.startswith("sqlite://"):  # and nowhere in the database file in clear
        database = Path(url.removeprefix("sqlite://"))
        raw = b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal"))
                       if p.exists())
        assert email.encode() in raw and password.encode() not in raw
