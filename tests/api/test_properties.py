"""Property tests: whatever a client sends, never an unexpected error, never a half-written row."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.jobkit import query
from tests.e2e.test_deliveries import PATH, signature
from tests.e2e.test_scenario import CONNECT, CREATE, connect
from tests.stack import DEMO_BOX_ID, Stack, running_stack

EXPECTED = {"Prebooking", "ValidationError", "NotConnected", "DuplicatePrebooking",
            "SchedulingFailed", "ClassNotFound"}
PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("properties")) as running:
        yield running


@pytest.fixture(scope="module")
def member(stack: Stack) -> str:
    token = stack.token("fuzzed@example.com")
    connect(stack, token, "box-fuzzed@example.com")
    return token


def rows(stack: Stack) -> list[tuple[object, ...]]:
    return query(stack, "SELECT p.id, p.status, p.qstash_message_id FROM prebookings p "
                        "JOIN users u ON u.id = p.user_id WHERE u.email = ?",
                 "fuzzed@example.com")


ids = st.one_of(st.text(max_size=80), st.from_regex(r"[0-9]{1,12}", fullmatch=True),
                st.just(DEMO_BOX_ID))
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1))
zones = st.one_of(st.none(), st.just(UTC),
                  st.builds(lambda m: timezone(timedelta(minutes=m)), st.integers(-720, 840)))
instants = st.one_of(st.none(), st.datetimes(min_value=datetime(2000, 1, 1),
                                             max_value=datetime(2100, 1, 1), timezones=zones))


@PROPERTY
@given(box=ids, class_id=ids, day=days, family=st.one_of(st.none(), ids), opens_at=instants)
def test_create_prebooking_answers_every_input(
    stack: Stack, member: str, box: str, class_id: str, day: date, family: str | None,
    opens_at: datetime | None,
) -> None:
    before = rows(stack)
    fields: dict[str, object] = {"boxId": box, "classId": class_id, "day": day.isoformat(),
                                 "familyId": family,
                                 "opensAt": opens_at.isoformat() if opens_at else None}
    answer = stack.gql(CREATE, {"input": fields}, token=member)
    after = rows(stack)
    if "errors" in answer:  # only for values GraphQL itself refuses, never a masked crash
        assert all(e["message"] != "Unexpected error." for e in answer["errors"]), answer
        assert after == before
        return
    kind = answer["data"]["createPrebooking"]["__typename"]
    assert kind in EXPECTED
    added = [r for r in after if r not in before]
    if kind == "Prebooking":  # complete: scheduled with a message id
        assert len(added) == 1 and added[0][2], added
    elif kind == "SchedulingFailed":
        assert len(added) == 1 and added[0][1] == "FAILED"
    else:
        assert added == []


@PROPERTY
@given(email=st.text(max_size=300), password=st.text(max_size=300))
def test_connect_answers_every_input(stack: Stack, email: str, password: str) -> None:
    token = stack.token(f"{uuid.uuid4().hex}@example.com")  # a fresh user: no rate limit
    answer = stack.gql(CONNECT, {"email": email, "password": password}, token=token)
    assert "errors" not in answer, answer
    assert answer["data"]["connectAimharder"]["__typename"] in {"InvalidCredentials",
                                                                "AimharderAccount"}


@PROPERTY
@given(body=st.one_of(
    st.binary(max_size=300),
    st.dictionaries(st.text(max_size=20), st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=3), max_leaves=5), max_size=4).map(
        lambda d: json.dumps(d).encode()),
    st.uuids().map(lambda u: json.dumps({"prebookingId": str(u)}).encode()),
))
def test_signed_delivery_bodies_never_crash_the_route(stack: Stack, body: bytes) -> None:
    url = stack.settings.server.public_url + PATH
    answer = httpx.post(stack.api.url + PATH, content=body, timeout=30, headers={
        "Upstash-Signature": signature(body, url),
        "Upstash-Message-Id": f"msg_{uuid.uuid4().hex}"})
    assert answer.status_code in {200, 401, 489}, answer.text
    if answer.status_code == 200:  # a UUID of no prebooking: nothing to claim
        result = answer.json()["result"]
        assert result["ran"] is False and result["status"] is None
