"""The fake box's booking rules, driven through the real client, and its control API."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from booking.aimharder import AimharderSession
from booking.fakebox.state import datetime_to_ns
from booking.opening import BookingWindow, WindowUnit, opening_instant, parse_booking_window
from booking.outcomes import Outcome, classify
from tests.booking.conftest import FakeBox

FAR = date.today() + timedelta(days=8)
PAST_OPENING = "2020-01-01T00:00:00Z"


async def new_user(box: FakeBox, **extra: Any) -> AimharderSession:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    response = await box.control.post(
        "/_fake/users", json={"email": email, "password": "pw", **extra}
    )
    assert response.status_code == 200, response.text
    assert response.json()["id"].isdigit()
    return await box.client.login(email, "pw")


async def new_class(fake: FakeBox, **fields: Any) -> dict[str, Any]:
    body = {"box": "demo", "day": FAR.isoformat(), "time": "10:00-11:00", **fields}
    response = await fake.control.post("/_fake/classes", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def book(
    box: FakeBox, session: AimharderSession, class_id: str, *, day: date = FAR, insist: bool = False
) -> Outcome:
    answer = await box.client.book(
        session, subdomain="demo", class_id=class_id, day=day, insist=insist
    )
    return classify(answer)


async def recorded(box: FakeBox) -> list[dict[str, Any]]:
    return list((await box.control.get("/_fake/requests")).json())


async def test_booking_before_the_window_is_too_early_with_a_parsable_text(
    box: FakeBox, session: AimharderSession
) -> None:
    classes = await box.client.list_classes(session, subdomain="demo", box_id="10001", day=FAR)
    answer = await box.client.book(session, subdomain="demo", class_id=classes[10].id, day=FAR)
    assert classify(answer) is Outcome.TOO_EARLY
    assert answer.error_code == "ERROR_ANTELACION_CLIENTE"
    assert answer.error_message == "No puedes reservar clases con más de 4 días de antelación"
    window = parse_booking_window(answer.error_code, answer.error_message)
    assert window == BookingWindow(4, WindowUnit.DAYS)
    assert answer.date_header and answer.server_date is not None


async def test_the_hours_box_answers_in_hours(box: FakeBox, session: AimharderSession) -> None:
    day = date.today() + timedelta(days=4)
    classes = await box.client.list_classes(session, subdomain="demohours", box_id="10002", day=day)
    answer = await box.client.book(session, subdomain="demohours", class_id=classes[12].id, day=day)
    assert classify(answer) is Outcome.TOO_EARLY
    assert answer.error_code == "ERROR_ANTELACION_CLIENTE_HORAS"
    window = parse_booking_window(answer.error_code, answer.error_message)
    assert window == BookingWindow(48, WindowUnit.HOURS)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ca", "No pots reservar classes amb més de 4 dies d'antelació"),
        ("en", "You can't book classes with more than 4 days of anticipation"),
    ],
)
async def test_the_box_answers_in_the_members_language(box: FakeBox, lang: str, text: str) -> None:
    session = await new_user(box, lang=lang)
    cls = await new_class(box)
    answer = await box.client.book(session, subdomain="demo", class_id=cls["id"], day=FAR)
    assert answer.error_message == text
    assert classify(answer) is Outcome.TOO_EARLY


async def test_a_class_opens_at_its_start_minus_the_window_in_local_time(box: FakeBox) -> None:
    cls = await new_class(box, day="2026-03-30", time="10:00-11:00")
    assert datetime.fromisoformat(cls["opensAt"]) == datetime(2026, 3, 26, 9, 0, tzinfo=UTC)
    hours = await new_class(box, box="demohours", day="2026-03-30", time="10:00-11:00")
    assert datetime.fromisoformat(hours["opensAt"]) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    expected = opening_instant(
        datetime(2026, 3, 30, 10), "Europe/Madrid", timedelta(days=4), "days"
    )
    assert datetime.fromisoformat(cls["opensAt"]) == expected


async def test_booking_once_the_window_opens(box: FakeBox, session: AimharderSession) -> None:
    opens = datetime.now(UTC) + timedelta(seconds=0.6)
    cls = await new_class(box, opensAt=opens.isoformat())
    opens_ns = datetime_to_ns(datetime.fromisoformat(cls["opensAt"]))
    request = box.client.prepare_book(session, subdomain="demo", class_id=cls["id"], day=FAR)
    assert classify(await box.client.send_book(request)) is Outcome.TOO_EARLY
    await box.client.warm("demo")
    await asyncio.sleep(max(0.0, (opens_ns - time.time_ns()) / 1e9) + 0.05)
    answer = await box.client.send_book(request)  # the same prepared request, sent again
    assert classify(answer) is Outcome.BOOKED
    assert answer.booking_id and answer.booking_id.isdigit()
    early, booked = await recorded(box)
    assert early["receivedAtNs"] < opens_ns <= booked["receivedAtNs"]
    assert booked["path"] == "/demo/api/book"
    assert booked["email"] == session.email
    assert booked["form"] == {
        "id": cls["id"],
        "day": f"{FAR:%Y%m%d}",
        "insist": "0",
        "familyId": "",
    }
    assert booked["answer"]["bookState"] == 1


async def test_the_window_is_judged_when_the_request_arrives_not_when_its_body_ends(
    box: FakeBox, session: AimharderSession
) -> None:
    opens = datetime.now(UTC) + timedelta(seconds=0.3)
    cls = await new_class(box, opensAt=opens.isoformat())

    async def slow_body() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.6)  # the body completes after the opening
        yield f"id={cls['id']}&day={FAR:%Y%m%d}&insist=0&familyId=".encode()

    response = await box.control.post(
        "/demo/api/book",
        content=slow_body(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"amhrdrauth={session.token}",
        },
    )
    assert response.json()["bookState"] == -12
    assert response.json()["errorMssgLang"] == "ERROR_ANTELACION_CLIENTE"


async def test_booking_twice_is_already_booked(box: FakeBox, session: AimharderSession) -> None:
    cls = await new_class(box, opensAt=PAST_OPENING)
    assert await book(box, session, cls["id"]) is Outcome.BOOKED
    assert await book(box, session, cls["id"]) is Outcome.ALREADY_BOOKED
    same_hour = await new_class(box, opensAt=PAST_OPENING, name="Open Box")
    assert await book(box, session, same_hour["id"]) is Outcome.ALREADY_BOOKED
    listed = await box.client.list_classes(session, subdomain="demo", box_id="10001", day=FAR)
    mine = next(c for c in listed if c.id == cls["id"])
    assert mine.book_state == 1 and mine.booked == 1 and mine.booking_id


async def test_full_then_waitlist_then_promotion(box: FakeBox, session: AimharderSession) -> None:
    cls = await new_class(box, opensAt=PAST_OPENING, capacity=1)
    other = await new_user(box)
    first = await box.client.book(session, subdomain="demo", class_id=cls["id"], day=FAR)
    assert classify(first) is Outcome.BOOKED
    assert await book(box, other, cls["id"]) is Outcome.FULL
    assert await book(box, other, cls["id"], insist=True) is Outcome.WAITLISTED
    assert first.booking_id is not None
    state = await box.client.cancel(session, subdomain="demo", booking_id=first.booking_id)
    assert state == 1
    listed = await box.client.list_classes(other, subdomain="demo", box_id="10001", day=FAR)
    promoted = next(c for c in listed if c.id == cls["id"])
    assert promoted.book_state == 1 and promoted.booked == 1 and promoted.waitlist == 0


async def test_cancel(box: FakeBox, session: AimharderSession) -> None:
    cls = await new_class(box, opensAt=PAST_OPENING)
    answer = await box.client.book(session, subdomain="demo", class_id=cls["id"], day=FAR)
    assert answer.booking_id is not None
    client = box.client
    assert await client.cancel(session, subdomain="demo", booking_id=answer.booking_id) == 1
    assert await client.cancel(session, subdomain="demo", booking_id=answer.booking_id) == -1
    assert await book(box, session, cls["id"]) is Outcome.BOOKED
    requests = await recorded(box)
    assert [r["path"] for r in requests] == [
        "/demo/api/book",
        "/demo/api/cancelBook",
        "/demo/api/cancelBook",
        "/demo/api/book",
    ]
    assert requests[1]["form"]["late"] == "0"


async def test_no_credit_and_max_bookings(box: FakeBox) -> None:
    broke = await new_user(box, credits=0)
    capped = await new_user(box, maxBookings=1)
    ten = await new_class(box, opensAt=PAST_OPENING)
    eleven = await new_class(box, opensAt=PAST_OPENING, time="11:00-12:00")
    assert await book(box, broke, ten["id"]) is Outcome.NO_CREDIT
    assert await book(box, capped, ten["id"]) is Outcome.BOOKED
    answer = await box.client.book(capped, subdomain="demo", class_id=eleven["id"], day=FAR)
    assert classify(answer) is Outcome.MAX_BOOKINGS
    assert answer.payload is not None and answer.payload["max"] == 1


async def test_unknown_class_is_refused(box: FakeBox, session: AimharderSession) -> None:
    answer = await box.client.book(session, subdomain="demo", class_id="999", day=FAR)
    assert answer.book_state == -12 and classify(answer) is Outcome.UNKNOWN


async def test_reset_keeps_users_and_classes(box: FakeBox) -> None:
    session = await new_user(box)
    cls = await new_class(box, opensAt=PAST_OPENING)
    assert await book(box, session, cls["id"]) is Outcome.BOOKED
    assert (await box.control.post("/_fake/reset")).json() == {"ok": True}
    assert await recorded(box) == []
    again = await box.client.login(session.email, "pw")
    assert await book(box, again, cls["id"]) is Outcome.BOOKED


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/_fake/users", {"password": "x"}, "'email'"),
        ("/_fake/users", {"email": "a@example.com"}, "'password'"),
        ("/_fake/users", {"email": "a@example.com", "password": "x", "lang": "fr"}, "'lang'"),
        ("/_fake/users", {"email": "a@example.com", "password": "x", "credits": -1}, "'credits'"),
        ("/_fake/users", [1, 2], "JSON object"),
        ("/_fake/classes", {"box": "nope", "day": "2026-01-01", "time": "10:00-11:00"}, "box"),
        ("/_fake/classes", {"box": "demo", "day": "01/01/2026", "time": "10:00-11:00"}, "'day'"),
        ("/_fake/classes", {"box": "demo", "day": "2026-01-01", "time": "10h"}, "class time"),
        (
            "/_fake/classes",
            {
                "box": "demo",
                "day": "2026-01-01",
                "time": "10:00-11:00",
                "opensAt": "2026-01-01T08:00:00",
            },
            "offset",
        ),
        (
            "/_fake/classes",
            {"box": "demo", "day": "2026-01-01", "time": "10:00-11:00", "capacity": "ten"},
            "'capacity'",
        ),
    ],
)
async def test_control_input_is_validated(
    box: FakeBox, path: str, body: Any, fragment: str
) -> None:
    response = await box.control.post(path, json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


async def test_control_rejects_a_duplicate_user_and_bad_json(box: FakeBox) -> None:
    duplicate = await box.control.post(
        "/_fake/users", json={"email": "athlete@example.com", "password": "x"}
    )
    assert duplicate.status_code == 409
    garbage = await box.control.post("/_fake/classes", content=b"{not json")
    assert garbage.status_code == 400


async def test_unknown_paths_and_boxes_are_404(box: FakeBox, session: AimharderSession) -> None:
    assert (await box.control.get("/nowhere")).status_code == 404
    response = await box.control.get(
        "/nobox/api/bookings",
        params={"day": "20260101"},
        headers={"Cookie": f"amhrdrauth={session.token}"},
    )
    assert response.status_code == 404


async def test_every_answer_has_a_date_header(box: FakeBox, http: httpx.AsyncClient) -> None:
    response = await box.control.get("/_fake/requests")
    assert "date" in response.headers


async def test_faults_apply_to_the_next_booking_requests(
    box: FakeBox, session: AimharderSession
) -> None:
    cls = await new_class(box, opensAt=PAST_OPENING)
    assert (await box.control.post("/_fake/faults", json={"status": 503, "count": 2})).is_success
    for _ in range(2):
        answer = await box.client.book(session, subdomain="demo", class_id=cls["id"], day=FAR)
        assert answer.status_code == 503 and classify(answer) is Outcome.UNKNOWN
    await box.control.post("/_fake/faults", json={"logout": True})
    assert await book(box, session, cls["id"]) is Outcome.LOGGED_OUT
    await box.control.post("/_fake/faults", json={"delayMs": 150})
    answer = await box.client.book(session, subdomain="demo", class_id=cls["id"], day=FAR)
    assert classify(answer) is Outcome.BOOKED and answer.round_trip_ms >= 150
    bad = await box.control.post("/_fake/faults", json={"status": 200})
    assert bad.status_code == 400
