"""`api/cancelBook`: cancelState 1, 2 (late warning) and 3, and the waitlist moving up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fakebox.conftest import Box

PAST = "2020-01-01T00:00:00Z"
START = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # the 10:00 class on FAR, in Madrid


async def test_a_cancelled_place_goes_to_the_first_waiting_member(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST, capacity=1)
    holder, first, second = await box.member(), await box.member(), await box.member()
    place = (await box.book(holder, cls["id"]))["id"]
    assert (await box.book(first, cls["id"], insist=1))["bookState"] == 0
    assert (await box.book(second, cls["id"], insist=1))["bookState"] == 0
    assert await box.cancel(holder, place) == {"cancelState": 1}
    assert (await box.row(first, cls["id"]))["bookState"] == 1
    row = await box.row(second, cls["id"])
    assert row["bookState"] == 0 and row["limit"] == "1 (1)" and row["ocupation"] == 1
    gone = await box.row(holder, cls["id"])
    assert gone["bookState"] is None and gone["idres"] is None and gone["cancelledId"] is None


async def test_cancelling_a_waitlist_place_moves_nobody(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST, capacity=1, booked=1)
    member = await box.member()
    waiting = (await box.book(member, cls["id"], insist=1))["id"]
    assert await box.cancel(member, waiting) == {"cancelState": 1}
    row = await box.row(member, cls["id"])
    assert row["limit"] == 1 and row["waitlist"] == 0 and row["ocupation"] == 1


async def test_within_two_hours_only_with_late_and_the_credit_is_lost(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST)
    box.clock.at(START - timedelta(hours=2, seconds=1))
    early_member = await box.member(credits=1)
    early = (await box.book(early_member, cls["id"]))["id"]
    assert await box.cancel(early_member, early) == {"cancelState": 1}
    assert (await box.bookings(early_member)).json()["clasesDisp"] == "1"
    box.clock.at(START - timedelta(hours=1, minutes=59))
    late_member = await box.member(credits=1)
    late = (await box.book(late_member, cls["id"]))["id"]
    assert await box.cancel(late_member, late) == {"cancelState": 2}
    assert (await box.row(late_member, cls["id"]))["bookState"] == 1
    assert await box.cancel(late_member, late, late=1) == {"cancelState": 1}
    assert (await box.bookings(late_member)).json()["clasesDisp"] == "0"


async def test_a_started_class_or_an_unknown_id_is_3(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST, closesAt="2026-03-30T07:59:00Z")
    box.clock.at(START - timedelta(minutes=10))
    member = await box.member()
    place = (await box.book(member, cls["id"]))["id"]
    assert await box.cancel(member, "999") == {"cancelState": 3}
    assert await box.cancel(member, cls["id"]) == {"cancelState": 3}  # the class id, not idres
    stranger = await box.member()
    assert await box.cancel(stranger, place) == {"cancelState": 3}
    box.clock.at(START)
    assert await box.cancel(member, place, late=1) == {"cancelState": 3}


async def test_no_session_is_logout(box: Box) -> None:
    response = await box.aim.post("/demo/api/cancelBook", data={"id": "1", "late": "0"})
    assert response.status_code == 200 and response.json() == {"logout": 1}
