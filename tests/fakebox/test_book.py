"""`api/book`: every answer AIMHARDER.md d) lists, judged at the instant a request arrives."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakebox.conftest import FAR_PARAM, Box

PAST = "2020-01-01T00:00:00Z"


def without_contracted(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer minus `clasesContratadas`, which every answer must carry as a string."""
    assert isinstance(answer.pop("clasesContratadas"), str)
    return answer


def booked(answer: dict[str, Any], state: int = 1) -> str:
    """The reservation id of a place (1) or waitlist place (0), checking the literal shape."""
    reservation = answer.get("id")
    assert isinstance(reservation, str) and reservation.isdigit(), answer
    assert without_contracted(answer) == {
        "hasPublicMemberships": 1, "bookState": state, "id": reservation}
    return reservation


async def test_too_early_in_days_is_minus_12_with_the_spanish_text(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class()
    assert without_contracted(await box.book(member, cls["id"])) == {
        "bookState": -12,
        "errorMssg": "No puedes reservar clases con más de 4 días de antelación",
        "errorMssgLang": "ERROR_ANTELACION_CLIENTE",
    }


@pytest.mark.parametrize(
    ("lang", "days", "hours"),
    [
        ("ca", "No pots reservar classes amb més de 4 dies d'antelació",
         "No pots reservar classes amb més de 48 hores d'antelació"),
        ("en", "You can't book classes with more than 4 days of anticipation",
         "You can't book classes with more than 48 hours of anticipation"),
        ("es", "No puedes reservar clases con más de 4 días de antelación",
         "No puedes reservar clases con más de 48 horas de antelación"),
    ],
)
async def test_too_early_speaks_the_members_language_in_days_and_hours(
    box: Box, lang: str, days: str, hours: str
) -> None:
    member = await box.member(lang=lang)
    in_days = await box.new_class()
    in_hours = await box.new_class(box="demohours")
    day_answer = await box.book(member, in_days["id"])
    assert (day_answer["errorMssg"], day_answer["errorMssgLang"]) == (
        days, "ERROR_ANTELACION_CLIENTE")
    hour_answer = await box.book(member, in_hours["id"], sub="demohours")
    assert hour_answer["bookState"] == -12
    assert (hour_answer["errorMssg"], hour_answer["errorMssgLang"]) == (
        hours, "ERROR_ANTELACION_CLIENTE_HORAS")


async def test_a_class_opens_at_its_start_minus_the_window_in_local_time(box: Box) -> None:
    # 2026-03-30 10:00 is CEST (+2); four days earlier, 2026-03-26 10:00, is still CET (+1).
    days = await box.new_class(day="2026-03-30", time="10:00-11:00")
    assert days["opensAt"] == "2026-03-26T09:00:00+00:00"
    # 48 hours of elapsed time before 08:00 UTC on the 30th, across the change.
    hours = await box.new_class(box="demohours", day="2026-03-30", time="10:00-11:00")
    assert hours["opensAt"] == "2026-03-28T08:00:00+00:00"


async def test_the_window_opens_to_the_nanosecond(box: Box) -> None:
    cls = await box.new_class()
    box.clock.at(datetime.fromisoformat(cls["opensAt"]))
    box.clock.ns -= 1
    member = await box.member()  # sessions last 30 minutes: log in on the day
    assert (await box.book(member, cls["id"]))["bookState"] == -12
    box.clock.ns += 1
    reservation = booked(await box.book(member, cls["id"]))
    early, on_time = (r for r in await box.requests() if r["path"] == "/demo/api/book")
    assert on_time["receivedAtNs"] - early["receivedAtNs"] == 1
    assert on_time["form"] == {"id": cls["id"], "day": FAR_PARAM, "insist": "0", "familyId": ""}
    assert on_time["email"] == member.email
    assert on_time["answer"]["id"] == reservation


async def test_the_window_is_judged_when_the_request_arrives_not_when_its_body_ends(
    box: Box,
) -> None:
    cls = await box.new_class()
    box.clock.at(datetime.fromisoformat(cls["opensAt"]) - timedelta(seconds=1))
    member = await box.member()
    box.clock.read.clear()

    async def slow_body() -> AsyncIterator[bytes]:
        # The box stamps the request as its headers arrive; only then does the window open,
        # and only then is the body sent.
        assert await asyncio.to_thread(box.clock.read.wait, 10)
        box.clock.advance(seconds=2)
        yield f"id={cls['id']}&day={FAR_PARAM}&insist=0&familyId=".encode()

    response = await box.aim.post(
        "/demo/api/book", content=slow_body(),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"amhrdrauth={member.cookie}"})
    assert response.json()["errorMssgLang"] == "ERROR_ANTELACION_CLIENTE"
    assert (await box.book(member, cls["id"]))["bookState"] == 1


async def test_a_charset_suffix_and_a_form_without_family_or_insist(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST)
    response = await box.aim.post(
        "/demo/api/book", content=f"id={cls['id']}&day={FAR_PARAM}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                 "Cookie": f"amhrdrauth={member.cookie}"})
    booked(response.json())


async def test_already_booked_at_that_hour(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST)
    booked(await box.book(member, cls["id"]))
    same_hour = {
        "bookState": -12,
        "errorMssg": "No puedes hacer más de una reserva a la misma hora",
        "errorMssgLang": "NOPUEDESRESERVAMISMAHORA",
    }
    assert without_contracted(await box.book(member, cls["id"])) == same_hour
    other = await box.new_class(opensAt=PAST, name="Open Box")
    assert without_contracted(await box.book(member, other["id"])) == same_hour


async def test_full_then_the_waitlist_with_insist(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST, capacity=2, booked=1)
    first, second = await box.member(), await box.member()
    booked(await box.book(first, cls["id"]))
    assert without_contracted(await box.book(second, cls["id"])) == {
        "bookState": -1, "errorMssg": "La clase está completa"}
    booked(await box.book(second, cls["id"], insist=1), state=0)


async def test_no_credit_and_max_bookings(box: Box) -> None:
    broke = await box.member(credits=0, lang="en")
    capped = await box.member(maxBookings=1)
    ten = await box.new_class(opensAt=PAST)
    eleven = await box.new_class(opensAt=PAST, time="11:00-12:00")
    assert without_contracted(await box.book(broke, ten["id"])) == {
        "bookState": -2, "errorMssg": "You have spent all your classes"}
    booked(await box.book(capped, ten["id"]))
    assert without_contracted(await box.book(capped, eleven["id"])) == {
        "bookState": -8, "max": 1}


async def test_credits_are_spent(box: Box) -> None:
    member = await box.member(credits=1)
    ten = await box.new_class(opensAt=PAST)
    eleven = await box.new_class(opensAt=PAST, time="11:00-12:00")
    booked(await box.book(member, ten["id"]))
    assert (await box.book(member, eleven["id"]))["bookState"] == -2


async def test_booking_closes_at_closes_at_and_at_the_start(box: Box) -> None:
    start = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 in Madrid
    closing = await box.new_class(opensAt=PAST, closesAt="2026-03-30T07:00:00Z")
    started = await box.new_class(opensAt=PAST, time="08:30-09:30")
    box.clock.at(start - timedelta(hours=1))
    member = await box.member()
    assert without_contracted(await box.book(member, closing["id"])) == {
        "bookState": -7,
        "errorMssg": "No puedes reservar clases con menos de 60 minutos de antelación"}
    assert without_contracted(await box.book(member, started["id"])) == {
        "bookState": -7, "errorMssg": "No puedes reservar una clase que ya ha empezado"}


async def test_an_unknown_class_or_another_day(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST)
    for answer in (await box.book(member, "999"),
                   await box.book(member, cls["id"], day="20260331")):
        assert without_contracted(answer) == {"errorMssg": "La clase no existe"}


async def test_no_session_is_logout(box: Box) -> None:
    cls = await box.new_class(opensAt=PAST)
    response = await box.aim.post("/demo/api/book",
                                  data={"id": cls["id"], "day": FAR_PARAM, "insist": "0"})
    assert response.status_code == 200 and response.json() == {"logout": 1}


async def test_faults_apply_to_the_next_booking_requests(box: Box) -> None:
    member = await box.member()
    cls = await box.new_class(opensAt=PAST)
    assert (await box.control.post("/_fake/faults", json={"status": 503, "count": 2})).is_success
    for _ in range(2):
        response = await box.aim.post("/demo/api/book", data={"id": cls["id"]},
                                      headers={"Cookie": f"amhrdrauth={member.cookie}"})
        assert response.status_code == 503 and response.text == "fake box fault"
    await box.control.post("/_fake/faults", json={"logout": True})
    assert await box.book(member, cls["id"]) == {"logout": 1}
    await box.control.post("/_fake/faults", json={"delayMs": 150})
    started = time.monotonic()
    booked(await box.book(member, cls["id"]))
    assert time.monotonic() - started >= 0.15
    assert (await box.control.post("/_fake/faults", json={"status": 200})).status_code == 400
