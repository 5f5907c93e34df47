"""A box's class list, `api/bookings`: the public schedule, a member's own states, capacity."""

from __future__ import annotations

from typing import Any

from tests.fakebox.conftest import FAR_PARAM, Box

PAST = "2020-01-01T00:00:00Z"
ROW_KEYS = sorted([
    "id", "idres", "time", "timeid", "classId", "className", "classDesc", "classLength",
    "color", "coachName", "coachPic", "boxName", "boxDir", "boxPic", "enabled", "bookState",
    "ocupation", "limit", "limitc", "waitlist", "cancelledId", "checkAthletesNum", "resadmin",
    "included", "onlineclass", "zoomid", "zoomJoinUrl", "zoomJoinPw", "spotres",
])


async def test_the_envelope_and_a_row_without_a_session(box: Box) -> None:
    response = await box.bookings(None, _="1774000000000")
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["bookings", "clasesDisp", "day", "resmsgs", "seminars", "timetable"]
    assert body["seminars"] == [] and body["resmsgs"] == []
    assert isinstance(body["clasesDisp"], str) and isinstance(body["day"], str)
    assert len(body["bookings"]) == 24
    assert body["timetable"][0] == {"id": "0000_60", "time": "00:00-01:00"}
    assert body["timetable"][18] == {"id": "1800_60", "time": "18:00-19:00"}
    row = body["bookings"][18]
    assert sorted(row) == ROW_KEYS
    assert isinstance(row["id"], int)
    assert row["time"] == "18:00 - 19:00" and row["timeid"] == "1800_60"
    assert row["className"] == "WOD" and row["classLength"] == 60
    assert row["boxName"] == "Demo CrossFit" and row["enabled"] == 1
    assert row["bookState"] is None and row["idres"] is None
    assert row["ocupation"] == 0 and row["limit"] == 14 and row["limitc"] == 14
    assert row["waitlist"] == 0 and row["cancelledId"] is None


async def test_a_member_sees_their_own_book_state_and_reservation_id(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST, time="18:15-19:15", capacity=12, name="Team WOD")
    booked = await box.book(member, cls["id"])
    mine = await box.row(member, cls["id"])
    assert mine["id"] == int(cls["id"])
    assert mine["time"] == "18:15 - 19:15" and mine["timeid"] == "1815_60"
    assert mine["bookState"] == 1 and mine["idres"] == int(booked["id"])
    assert mine["ocupation"] == 1 and mine["limit"] == 12 and mine["limitc"] == 12
    public = await box.row(None, cls["id"])
    assert public["bookState"] is None and public["idres"] is None and public["ocupation"] == 1
    stranger = await box.member()
    assert (await box.row(stranger, cls["id"]))["bookState"] is None


async def test_an_expired_session_gets_the_public_schedule(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST)
    await box.book(member, cls["id"])
    await box.control.post("/_fake/sessions/expire")
    response = await box.bookings(member)
    assert response.status_code == 200
    row = next(r for r in response.json()["bookings"] if str(r["id"]) == cls["id"])
    assert row["bookState"] is None and row["idres"] is None


async def test_limit_becomes_a_string_while_someone_waits(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST, capacity=12, booked=12)
    first, second = await box.member(), await box.member()
    assert (await box.book(first, cls["id"], insist=1))["bookState"] == 0
    assert (await box.book(second, cls["id"], insist=1))["bookState"] == 0
    row = await box.row(first, cls["id"])
    assert row["limit"] == "12 (2)" and row["limitc"] == 12
    assert row["waitlist"] == 2 and row["ocupation"] == 12
    assert row["bookState"] == 0 and isinstance(row["idres"], int)


async def test_family_filter_and_another_boxs_id(box: Box) -> None:
    judo = await box.new_class(day="2026-04-02", familyId=7, time="07:30-08:30", name="Judo")
    listed = (await box.bookings(None, day="20260402", familyId="7")).json()
    assert [r["id"] for r in listed["bookings"]] == [int(judo["id"])]
    assert listed["timetable"] == [{"id": "0730_60", "time": "07:30-08:30"}]
    everything = (await box.bookings(None, day="20260402")).json()["bookings"]
    assert len(everything) == 25 and everything[8]["id"] == int(judo["id"])
    other = (await box.bookings(None, day="20260402", box="10002")).json()
    assert other["bookings"] == [] and other["timetable"] == []


async def test_the_hours_box_and_an_unknown_subdomain(box: Box) -> None:
    hours = (await box.bookings(None, sub="demohours", box="10002")).json()
    assert hours["bookings"][0]["boxName"] == "Demo Hours Box"
    unknown = await box.bookings(None, sub="nobox")
    assert unknown.status_code == 404


async def test_credits_show_in_clases_disp(box: Box) -> None:
    member = await box.member(credits=3)
    body: dict[str, Any] = (await box.bookings(member, day=FAR_PARAM)).json()
    assert body["clasesDisp"] == "3"
