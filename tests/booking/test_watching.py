"""The waiting list, watching a full class and cancelling at the box, in-process against a
real database, localqstash and the fake box (checks are run the way their job runs them)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from booking import cancellation, prebookings, watching
from booking.services import Services
from fakebox import FakeBoxConfig, create_app
from models.notifications import Notification
from models.prebookings import Prebooking, PrebookingStatus
from tests.booking.boxkit import DEMO_BOX_ID, connected_user, control, fake_class
from tests.boxclock import BoxClock
from tests.servers import ServerThread, serve

S = PrebookingStatus


@pytest.fixture(scope="module")
def box_clock() -> BoxClock:
    return BoxClock()


@pytest.fixture(scope="module")
def fakebox_server(box_clock: BoxClock) -> Iterator[ServerThread]:
    """This module's own demo box, on a clock its tests can move (instead of waiting)."""
    with serve(create_app(FakeBoxConfig(), clock=box_clock)) as server:
        yield server




async def _open_full_class(box_url: str, *, hours_ahead: float = 5,
                           closes_in: timedelta | None = None) -> dict[str, object]:
    """A full class (2 of 2 taken by others) whose window is already open."""
    now = datetime.now(UTC)
    return await fake_class(box_url, start=now + timedelta(hours=hours_ahead), capacity=2,
                            booked=2, opens_at=now - timedelta(minutes=5),
                            closes_at=now + closes_in if closes_in else None)


def _new(made: dict[str, object], **options: bool) -> prebookings.NewPrebooking:
    return prebookings.NewPrebooking(box_id=DEMO_BOX_ID, class_id=str(made["id"]),
                                     day=made["date"], **options)  # type: ignore[arg-type]


async def test_the_waiting_list_is_asked_for_with_insist(services: Services,
                                                         fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    made = await _open_full_class(fakebox_server.url)
    row = await prebookings.create(user, _new(made, waitlist=True), services=services)
    assert (row.status, row.outcome, row.book_state) == (S.COMPLETED, "WAITLISTED", 0)
    assert row.booking_id  # the waiting-list place can be cancelled like a place


async def test_a_full_class_is_watched_and_the_freed_place_booked_once(
        services: Services, fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    made = await _open_full_class(fakebox_server.url)
    row = await prebookings.create(user, _new(made, watch_if_full=True), services=services)
    assert (row.status, row.outcome) == (S.WATCHING, "FULL")
    opening_lateness = row.lateness_ms
    assert await Notification.filter(prebooking_id=row.id, kind="OUTCOME").count() == 1

    still_full = await watching.check(row.id, services=services)
    assert still_full.status is S.WATCHING
    assert (await Prebooking.get(id=row.id)).watch_checks == 1

    await control(fakebox_server.url, f"/_fake/classes/{made['id']}/free", {"places": 1})
    # Two deliveries of one check at once: one claims it, one books, the other does nothing.
    first, second = await asyncio.gather(watching.check(row.id, services=services),
                                         watching.check(row.id, services=services))
    assert sorted([first.ran, second.ran]) == [False, True]
    done = await Prebooking.get(id=row.id)
    assert (done.status, done.outcome, done.book_state) == (S.COMPLETED, "BOOKED", 1)
    assert done.lateness_ms == opening_lateness  # the opening's figure, not the check's
    after = await watching.check(row.id, services=services)
    assert not after.ran and after.status is S.COMPLETED


async def test_a_watch_ends_when_the_box_says_booking_has_closed(
        services: Services, fakebox_server: ServerThread, box_clock: BoxClock) -> None:
    user = await connected_user(services, fakebox_server.url)
    made = await _open_full_class(fakebox_server.url, closes_in=timedelta(minutes=30))
    row = await prebookings.create(user, _new(made, watch_if_full=True), services=services)
    assert row.status is S.WATCHING
    with box_clock.moved(31 * 60):  # booking closes (the box's closesAt) ...
        await control(fakebox_server.url, f"/_fake/classes/{made['id']}/free", {"places": 1})
        await watching.check(row.id, services=services)  # ... then a place frees: too late
    done = await Prebooking.get(id=row.id)
    assert (done.status, done.outcome, done.book_state) == (S.FAILED, "TOO_LATE", -7)


async def test_a_watch_ends_when_the_class_starts_and_can_be_cancelled(
        services: Services, fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    made = await _open_full_class(fakebox_server.url)
    row = await prebookings.create(user, _new(made, watch_if_full=True), services=services)
    later = datetime.now(UTC) + timedelta(hours=6)
    ended = await watching.check(row.id, services=services, now=later)
    assert ended.status is S.FAILED
    assert "started" in str((await Prebooking.get(id=row.id)).error_message)

    other = await _open_full_class(fakebox_server.url)
    watched = await prebookings.create(user, _new(other, watch_if_full=True), services=services)
    cancelled = await prebookings.cancel(user, watched.id, services=services)
    assert cancelled.status is S.CANCELLED
    assert not (await watching.check(watched.id, services=services)).ran


async def test_cancelling_at_the_box_asks_before_losing_the_credit(
        services: Services, fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    now = datetime.now(UTC)
    # Within the box's two hours before the start: a cancellation costs the credit.
    made = await fake_class(fakebox_server.url, start=now + timedelta(minutes=90),
                            opens_at=now - timedelta(minutes=5))
    row = await prebookings.create(user, _new(made), services=services)
    assert row.outcome == "BOOKED"
    try:
        await cancellation.cancel_booking(user, row.id, late=False, services=services)
    except cancellation.LateCancellationError as exc:
        assert "late: true" in str(exc)
    else:
        raise AssertionError("a late cancellation was not asked first")
    assert (await Prebooking.get(id=row.id)).status is S.COMPLETED  # nothing changed yet
    done = await cancellation.cancel_booking(user, row.id, late=True, services=services)
    assert (done.status, done.outcome) == (S.CANCELLED, "CANCELLED_AT_BOX")
    assert done.cancelled_at is not None
    # Asking again answers the same; the box no longer holds the place.
    again = await cancellation.cancel_booking(user, row.id, late=True, services=services)
    assert again.status is S.CANCELLED
    requests = [r for r in await _requests(fakebox_server.url)
                if str(r["path"]).endswith("/api/cancelBook")]
    assert [r["answer"]["cancelState"] for r in requests] == [2, 1]


async def test_a_waitlisted_place_is_cancelled_and_a_refusal_is_typed(
        services: Services, fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    made = await _open_full_class(fakebox_server.url)
    row = await prebookings.create(user, _new(made, waitlist=True), services=services)
    done = await cancellation.cancel_booking(user, row.id, late=False, services=services)
    assert done.status is S.CANCELLED

    started = await fake_class(fakebox_server.url,
                               start=datetime.now(UTC) + timedelta(minutes=30),
                               opens_at=datetime.now(UTC) - timedelta(minutes=5))
    booked = await prebookings.create(user, _new(started), services=services)
    await Prebooking.filter(id=booked.id).update(booking_id="999999")  # not the member's
    try:
        await cancellation.cancel_booking(user, booked.id, late=True, services=services)
    except cancellation.BoxRefusedError as exc:
        assert exc.cancel_state == 3
    else:
        raise AssertionError("a refused cancellation was not reported")


async def _requests(box_url: str) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=box_url) as client:
        return (await client.get("/_fake/requests")).json()  # type: ignore[no-any-return]
