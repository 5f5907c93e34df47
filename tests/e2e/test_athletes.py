"""What athletes expect, end to end through GraphQL, localqstash and the fake box: a weekly
rule, the waiting list, watching a full class, cancelling at the box."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from jobs import catalog
from jobs.payloads import NoPayload
from tests.e2e.jobkit import eventually, job_client, query, raw_id
from tests.stack import CREATE, DEMO_BOX_ID, MADRID, Stack, running_stack

WATCH_INTERVAL_S = 2.0

PREBOOKING = """query($id: ID!) { prebooking(id: $id) { id status outcome bookState opensAt
  waitlist watchIfFull latenessMs rule { id } } }"""
CREATE_RULE = """mutation($input: CreateRuleInput!) { createRule(input: $input) { __typename
  ... on Rule { id weekdays time className paused
    prebookings { edges { node { id day status opensAt rule { id } } } } }
  ... on ValidationError { field message } ... on NotConnected { message } } }"""
RULE = """query($id: ID!) { rule(id: $id) { id prebookings { edges { node { id day status
  opensAt outcome } } } } }"""
CANCEL_BOOKING = """mutation($id: ID!, $late: Boolean!) { cancelBooking(id: $id, late: $late) {
  __typename ... on Prebooking { status outcome } ... on LateCancellation { message }
  ... on BoxRefused { message cancelState } ... on NotFound { message } } }"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("athletes"),
                       PREBOOK_WATCH_INTERVAL_S=WATCH_INTERVAL_S) as running:
        yield running


def new_class(stack: Stack, *, start: datetime, name: str = "WOD", capacity: int = 10,
              booked: int = 0, opens_at: datetime | None = None,
              closes_at: datetime | None = None) -> dict[str, Any]:
    local = start.astimezone(MADRID)
    body: dict[str, Any] = {"box": "demo", "day": local.date().isoformat(),
                            "time": f"{local:%H:%M}-{local + timedelta(hours=1):%H:%M}",
                            "name": name, "capacity": capacity, "booked": booked}
    if opens_at:
        body["opensAt"] = opens_at.isoformat()
    if closes_at:
        body["closesAt"] = closes_at.isoformat()
    answer = httpx.post(f"{stack.fakebox.url}/_fake/classes", json=body, timeout=5)
    assert answer.status_code == 200, answer.text
    return {**body, **answer.json()}


def free_place(stack: Stack, class_id: str) -> None:
    answer = httpx.post(f"{stack.fakebox.url}/_fake/classes/{class_id}/free",
                        json={"places": 1}, timeout=5)
    assert answer.status_code == 200, answer.text


def user(stack: Stack, name: str) -> str:
    token = stack.token(f"{name}@example.com")
    stack.connect(token, f"box-{name}@box.example")
    return token


def create(stack: Stack, token: str, made: dict[str, Any], **options: Any) -> dict[str, Any]:
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": made["id"],
                                           "day": made["day"], **options}}, token=token)
    result = created["data"]["createPrebooking"]
    assert result["__typename"] == "Prebooking", created
    return result  # type: ignore[no-any-return]


def get(stack: Stack, token: str, node_id: str) -> dict[str, Any]:
    return stack.gql(PREBOOKING, {"id": node_id}, token=token)["data"]["prebooking"]  # type: ignore[no-any-return]


def until(stack: Stack, token: str, node_id: str, status: str, timeout: float = 20
          ) -> dict[str, Any]:
    return eventually(lambda: (row := get(stack, token, node_id))["status"] == status and row,
                      timeout=timeout, what=f"status {status}")  # type: ignore[no-any-return]


def book_requests(stack: Stack, class_id: str) -> list[dict[str, Any]]:
    return [r for r in stack.box_requests()
            if str(r["path"]).endswith("/api/book") and r["form"].get("id") == class_id]


# A rule's opening is its class's start ("HH:MM") minus the box's window, so the test waits for
# the next whole minute at least 20 s away, up to 80 s, past the 30 s default limit.
@pytest.mark.timeout(150)
def test_a_rule_for_two_weekdays_places_each_once_and_books_at_the_opening(
        stack: Stack) -> None:
    token = user(stack, "rule")
    # The first class opens on the next whole minute at least 20 s away (start minus the
    # box's 4-day window); the second, the same time a day later, opens tomorrow.
    opens = (datetime.now(UTC) + timedelta(seconds=20)).replace(second=0, microsecond=0)
    opens += timedelta(minutes=1)
    start = opens + timedelta(days=4)
    made = [new_class(stack, start=start + timedelta(days=d), name="Athletes WOD")
            for d in (0, 1)]
    local = start.astimezone(MADRID)
    weekdays = [(local + timedelta(days=d)).strftime("%A").upper() for d in (0, 1)]
    created = stack.gql(CREATE_RULE, {"input": {
        "boxId": DEMO_BOX_ID, "weekdays": weekdays, "time": f"{local:%H:%M}",
        "className": "athletes"}}, token=token)["data"]["createRule"]
    assert created["__typename"] == "Rule", created
    # Listed Monday first, whatever order they were given in.
    order = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
    assert created["weekdays"] == sorted(weekdays, key=order.index)
    placed = [e["node"] for e in created["prebookings"]["edges"]]
    assert sorted(p["day"] for p in placed) == [m["day"] for m in made]
    assert all(p["status"] == "PENDING" and p["rule"]["id"] == created["id"] for p in placed)
    by_day = {p["day"]: p for p in placed}
    for d, m in enumerate(made):
        assert datetime.fromisoformat(by_day[m["day"]]["opensAt"]) == opens + timedelta(days=d)

    # The cron job, three runs at once: nothing is placed twice.
    async def three_runs() -> list[str]:
        client = job_client(stack)
        return list(await asyncio.gather(*(client.enqueue(catalog.RULES_MATERIALISE,
                                                          NoPayload()) for _ in range(3))))

    runs = asyncio.run(three_runs())
    marks = ",".join("?" * len(runs))
    eventually(lambda: query(stack, "SELECT COUNT(*) FROM processed_deliveries WHERE state = "
                                    f"'DONE' AND message_id IN ({marks})", *runs)[0][0] == 3,
               timeout=20, what="the three rule runs done")
    again = stack.gql(RULE, {"id": created["id"]}, token=token)["data"]["rule"]
    assert len(again["prebookings"]["edges"]) == 2

    first = by_day[made[0]["day"]]
    final = eventually(lambda: (row := get(stack, token, first["id"]))["status"] == "COMPLETED"
                       and row, timeout=(opens - datetime.now(UTC)).total_seconds() + 20,
                       what="booked")
    assert final["outcome"] == "BOOKED" and final["latenessMs"] >= 0
    sent = book_requests(stack, made[0]["id"])
    opens_ns = int(opens.timestamp() * 1e9)
    assert len([r for r in sent if int(r["receivedAtNs"]) >= opens_ns]) == 1
    assert get(stack, token, by_day[made[1]["day"]]["id"])["status"] == "PENDING"


def test_the_waiting_list_when_the_class_is_full(stack: Stack) -> None:
    token = user(stack, "waiting")
    now = datetime.now(UTC)
    made = new_class(stack, start=now + timedelta(hours=5), capacity=1, booked=1,
                     opens_at=now - timedelta(minutes=1))
    row = get(stack, token, create(stack, token, made, waitlist=True)["id"])
    assert (row["status"], row["outcome"], row["bookState"]) == ("COMPLETED", "WAITLISTED", 0)
    assert row["waitlist"] is True
    listed = stack.gql("query($b: String!, $d: Date!) { classes(boxId: $b, day: $d) { id "
                       "waitlist } }", {"b": DEMO_BOX_ID, "d": made["day"]}, token=token)
    mine = next(c for c in listed["data"]["classes"] if c["id"] == made["id"])
    assert mine["waitlist"] == 1


def test_a_watched_full_class_is_booked_within_one_interval_of_a_freed_place(
        stack: Stack) -> None:
    token = user(stack, "watcher")
    now = datetime.now(UTC)
    opens = now + timedelta(seconds=3)
    made = new_class(stack, start=now + timedelta(hours=5), capacity=2, booked=2,
                     opens_at=opens)
    row = create(stack, token, made, opensAt=opens.isoformat(), watchIfFull=True)
    watching = until(stack, token, row["id"], "WATCHING")
    assert watching["outcome"] == "FULL" and watching["watchIfFull"] is True
    # A check finds it still full (and leaves it WATCHING) before a place is freed.
    checks = "SELECT watch_checks, status FROM prebookings WHERE id = ?"
    eventually(lambda: query(stack, checks, raw_id(row["id"]))[0][0] >= 1
               and query(stack, checks, raw_id(row["id"]))[0][1] == "WATCHING",
               timeout=WATCH_INTERVAL_S * 3 + 5, what="a check that found it full")
    freed = time.monotonic()
    free_place(stack, made["id"])
    booked = until(stack, token, row["id"], "COMPLETED")
    waited = time.monotonic() - freed
    assert booked["outcome"] == "BOOKED"
    # One interval (with its jitter) and the delivery and the booking themselves.
    assert waited <= WATCH_INTERVAL_S * 1.2 + 2.0, waited
    assert len([r for r in book_requests(stack, made["id"])
                if r["answer"].get("bookState") == 1]) == 1


def test_a_watch_ends_when_booking_closes(stack: Stack) -> None:
    token = user(stack, "closing")
    now = datetime.now(UTC)
    opens = now + timedelta(seconds=2)
    made = new_class(stack, start=now + timedelta(hours=5), capacity=1, booked=1,
                     opens_at=opens, closes_at=now + timedelta(seconds=5))
    row = create(stack, token, made, opensAt=opens.isoformat(), watchIfFull=True)
    until(stack, token, row["id"], "WATCHING")
    with stack.box_clock.moved(5.2):  # booking has closed at the box ...
        free_place(stack, made["id"])  # ... when a place frees: the box says -7
        ended = until(stack, token, row["id"], "FAILED")
    assert (ended["outcome"], ended["bookState"]) == ("TOO_LATE", -7)


def test_a_late_cancellation_is_asked_then_confirmed(stack: Stack) -> None:
    token = user(stack, "cancels")
    now = datetime.now(UTC)
    made = new_class(stack, start=now + timedelta(minutes=90),
                     opens_at=now - timedelta(minutes=1))
    row = create(stack, token, made)
    assert row["status"] == "COMPLETED"
    asked = stack.gql(CANCEL_BOOKING, {"id": row["id"], "late": False}, token=token)
    assert asked["data"]["cancelBooking"]["__typename"] == "LateCancellation", asked
    assert get(stack, token, row["id"])["status"] == "COMPLETED"
    confirmed = stack.gql(CANCEL_BOOKING, {"id": row["id"], "late": True}, token=token)
    assert confirmed["data"]["cancelBooking"] == {
        "__typename": "Prebooking", "status": "CANCELLED", "outcome": "CANCELLED_AT_BOX"}
    other = stack.token("not-the-owner@example.com")
    refused = stack.gql(CANCEL_BOOKING, {"id": row["id"], "late": True}, token=other)
    assert refused["data"]["cancelBooking"]["__typename"] == "NotFound"
