"""Connecting through the API against the fake box: geo-blocking, box time zones, reconnects,
and a prebooking that meets a blocked network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.stack import DEMO_BOX_ID, GET, Stack, running_stack

CONNECT = """mutation($email: String!, $password: String!) {
  connectAimharder(input: {email: $email, password: $password}) {
    __typename
    ... on AimharderAccount { status boxes { id subdomain name timezone } }
    ... on AccessBlocked { message }
    ... on InvalidCredentials { message }
  }
}"""
UPDATE_BOX = """mutation($boxId: String!, $timezone: String!) {
  updateBox(input: {boxId: $boxId, timezone: $timezone}) {
    __typename
    ... on Box { id timezone }
    ... on ValidationError { field message }
    ... on NotFound { message }
  }
}"""
ME = "{ me { aimharder { status lastError boxes { id timezone } } } }"
CREATE = """mutation($input: CreatePrebookingInput!) {
  createPrebooking(input: $input) { __typename ... on Prebooking { id status opensAt } }
}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(Path(tmp_path_factory.mktemp("aimharder"))) as running:
        yield running


def geo_block(stack: Stack, on: bool) -> None:
    httpx.post(f"{stack.fakebox.url}/_fake/geo-block", json={"on": on}, timeout=5
               ).raise_for_status()


def test_a_geo_blocked_server_is_told_so_and_the_account_is_not_failed(stack: Stack) -> None:
    token = stack.token("blocked@example.com")
    email, password = stack.fake_member("box-blocked@example.com")
    stack.connect(token, "box-blocked@example.com")
    geo_block(stack, True)
    try:
        answer = stack.gql(CONNECT, {"email": email, "password": password}, token=token)
    finally:
        geo_block(stack, False)
    result = answer["data"]["connectAimharder"]
    assert result["__typename"] == "AccessBlocked", answer
    assert "AIMHARDER_PROXY" in result["message"]
    me = stack.gql(ME, token=token)["data"]["me"]["aimharder"]
    assert me["status"] == "ACTIVE"


def test_update_box_sets_the_zone_openings_use_and_a_reconnect_keeps_it(stack: Stack) -> None:
    token = stack.token("zone@example.com")
    stack.connect(token, "box-zone@example.com")
    bad = stack.gql(UPDATE_BOX, {"boxId": DEMO_BOX_ID, "timezone": "Mars/Olympus"}, token=token)
    assert bad["data"]["updateBox"]["__typename"] == "ValidationError"
    assert bad["data"]["updateBox"]["field"] == "timezone"
    other = stack.gql(UPDATE_BOX, {"boxId": "999", "timezone": "UTC"}, token=token)
    assert other["data"]["updateBox"]["__typename"] == "NotFound"
    stranger = stack.token("stranger@example.com")
    stack.connect(stranger, "box-stranger@example.com")
    ok = stack.gql(UPDATE_BOX, {"boxId": DEMO_BOX_ID, "timezone": "Atlantic/Canary"},
                   token=token)
    assert ok["data"]["updateBox"] == {"__typename": "Box", "id": DEMO_BOX_ID,
                                       "timezone": "Atlantic/Canary"}
    theirs = stack.gql(ME, token=stranger)["data"]["me"]["aimharder"]["boxes"]
    assert {b["id"]: b["timezone"] for b in theirs}[DEMO_BOX_ID] == "Europe/Madrid"
    stack.connect(token, "box-zone@example.com")  # reconnect
    boxes = stack.gql(ME, token=token)["data"]["me"]["aimharder"]["boxes"]
    assert {b["id"]: b["timezone"] for b in boxes}[DEMO_BOX_ID] == "Atlantic/Canary"


def test_discovered_openings_use_the_box_zone(stack: Stack) -> None:
    """The demo box's window is 4 days: a class at 10:00 wall clock opens at 10:00 four days
    before, in the zone the user set (Canary is an hour behind Madrid)."""
    token = stack.token("canary@example.com")
    stack.connect(token, "box-canary@example.com")
    stack.gql(UPDATE_BOX, {"boxId": DEMO_BOX_ID, "timezone": "Atlantic/Canary"}, token=token)
    from datetime import date, timedelta

    day = date.today() + timedelta(days=20)
    body = {"box": "demo", "day": day.isoformat(), "time": "10:00-11:00"}
    made = httpx.post(f"{stack.fakebox.url}/_fake/classes", json=body, timeout=5)
    made.raise_for_status()
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": made.json()["id"],
                                           "day": day.isoformat()}}, token=token)
    result = created["data"]["createPrebooking"]
    assert result["__typename"] == "Prebooking", created
    from datetime import datetime
    from zoneinfo import ZoneInfo

    expected = datetime.combine(day - timedelta(days=4), datetime.min.time().replace(hour=10),
                                ZoneInfo("Atlantic/Canary"))
    assert datetime.fromisoformat(result["opensAt"]) == expected


def test_pending_openings_follow_the_box_zone_and_one_given_by_hand_stays(stack: Stack) -> None:
    """A prebooking whose opening came from the box's window moves to the same wall clock in
    the new zone, with a new delivery planned and the old one cancelled; an opensAt given by
    hand is the user's own instant and stays."""
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from qstash.errors import QStashError

    from tests.e2e.jobkit import qstash

    token = stack.token("follow-zone@example.com")
    stack.connect(token, "box-follow-zone@example.com")
    day = date.today() + timedelta(days=21)
    made = [httpx.post(f"{stack.fakebox.url}/_fake/classes", timeout=5, json={
        "box": "demo", "day": day.isoformat(), "time": time}) for time in ("10:00-11:00",
                                                                             "12:00-13:00")]
    derived = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": made[0].json()["id"],
                                           "day": day.isoformat()}}, token=token)
    by_hand_at = datetime.combine(day - timedelta(days=3), datetime.min.time().replace(hour=7),
                                  ZoneInfo("UTC"))
    by_hand = stack.gql(CREATE, {"input": {
        "boxId": DEMO_BOX_ID, "classId": made[1].json()["id"], "day": day.isoformat(),
        "opensAt": by_hand_at.isoformat()}}, token=token)
    ids = [r["data"]["createPrebooking"]["id"] for r in (derived, by_hand)]
    before = [stack.gql(GET, {"id": pid}, token=token)["data"]["prebooking"] for pid in ids]

    moved = stack.gql(UPDATE_BOX, {"boxId": DEMO_BOX_ID, "timezone": "Atlantic/Canary"},
                      token=token)
    assert moved["data"]["updateBox"]["timezone"] == "Atlantic/Canary"
    after = [stack.gql(GET, {"id": pid}, token=token)["data"]["prebooking"] for pid in ids]

    wall = datetime.combine(day - timedelta(days=4), datetime.min.time().replace(hour=10))
    assert datetime.fromisoformat(before[0]["opensAt"]) == wall.replace(
        tzinfo=ZoneInfo("Europe/Madrid"))
    assert datetime.fromisoformat(after[0]["opensAt"]) == wall.replace(
        tzinfo=ZoneInfo("Atlantic/Canary"))  # an hour later than in Madrid
    assert after[0]["qstashMessageId"] != before[0]["qstashMessageId"]
    client = qstash(stack)
    planned = client.message.get(after[0]["qstashMessageId"])
    lead = stack.settings.firing.lead_seconds
    due_s = datetime.fromisoformat(after[0]["opensAt"]).timestamp() - lead
    assert planned.not_before == int(due_s) * 1000  # QStash answers milliseconds
    with pytest.raises(QStashError):  # the old delivery is cancelled
        client.message.get(before[0]["qstashMessageId"])
    assert after[1]["opensAt"] == before[1]["opensAt"]
    assert datetime.fromisoformat(after[1]["opensAt"]) == by_hand_at
    assert after[1]["qstashMessageId"] == before[1]["qstashMessageId"]


def test_a_prebooking_that_meets_a_blocked_network_fails_with_that_reason(stack: Stack) -> None:
    token, pid, _ = stack.prebook("blocked-prebook@example.com", opens_in=4)
    geo_block(stack, True)
    try:
        final = stack.wait_for(GET, {"id": pid}, token,
                               lambda d: d["data"]["prebooking"]["status"] in ("COMPLETED",
                                                                               "FAILED"))
    finally:
        geo_block(stack, False)
    row = final["data"]["prebooking"]
    assert row["status"] == "FAILED" and row["outcome"] == "ACCESS_BLOCKED", row
    assert "AIMHARDER_PROXY" in row["errorMessage"]
    me = stack.gql(ME, token=token)["data"]["me"]["aimharder"]
    assert me["status"] == "ACTIVE"
