"""How the fake box answers `api/book` and `api/cancelBook`, in AimHarder's terms.

Checks, in order: the class exists on that day; the window is open at the instant the request
arrived (to the nanosecond); the member has nothing else at that hour (the same class
included); credit; the member's booking limit; room (else the waitlist with `insist=1`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from booking.fakebox import texts
from booking.fakebox.config import BoxSpec
from booking.fakebox.state import ClassSession, FakeBoxState, User

BOOKED = 1
WAITLISTED = 0
FULL = -1
NO_CREDIT = -2
MAX_BOOKINGS = -8
REFUSED = -12  # window not open, same hour, unknown class

CANCELLED = 1
CANCEL_NOT_FOUND = -1

CONTRACTED = "WOD, OPEN BOX, HALTEROFILIA, GYMNASTICS, CONDITIONING, TEAM WOD"


def _error(state: int, message_and_code: tuple[str, str]) -> dict[str, Any]:
    message, code = message_and_code
    return {
        "clasesContratadas": CONTRACTED,
        "bookState": state,
        "errorMssg": message,
        "errorMssgLang": code,
    }


def _same_hour(box_state: FakeBoxState, user: User, session: ClassSession) -> bool:
    for booking in box_state.bookings.values():
        if booking.user_id != user.id:
            continue
        other = box_state.classes[booking.class_id]
        if other.box is session.box and other.day == session.day and other.start == session.start:
            return True
    return False


def book(
    box_state: FakeBoxState,
    user: User,
    box: BoxSpec,
    *,
    session_id: str,
    day: date | None,
    insist: bool,
    received_at_ns: int,
) -> dict[str, Any]:
    session = box_state.find_class(box, session_id, day)
    if session is None:
        return _error(REFUSED, texts.not_found(user.lang))
    if received_at_ns < session.opens_at_ns:
        return _error(REFUSED, texts.too_early(user.lang, box.window))
    if _same_hour(box_state, user, session):
        return _error(REFUSED, texts.same_hour(user.lang))
    if user.credits is not None and user.credits <= 0:
        return _error(NO_CREDIT, texts.no_credit(user.lang))
    if user.max_bookings is not None:
        active = sum(
            1 for b in box_state.bookings.values() if b.user_id == user.id and not b.waitlisted
        )
        if active >= user.max_bookings:
            return {
                "clasesContratadas": CONTRACTED,
                "bookState": MAX_BOOKINGS,
                "max": user.max_bookings,
            }
    booked, _ = box_state.occupancy(session)
    if booked < session.capacity:
        booking = box_state.add_booking(user, session, waitlisted=False)
        if user.credits is not None:
            user.credits -= 1
        return {
            "clasesContratadas": CONTRACTED,
            "hasPublicMemberships": 1,
            "bookState": BOOKED,
            "id": booking.id,
        }
    if insist:
        booking = box_state.add_booking(user, session, waitlisted=True)
        return {"clasesContratadas": CONTRACTED, "bookState": WAITLISTED, "id": booking.id}
    return _error(FULL, texts.full(user.lang))


def cancel(box_state: FakeBoxState, user: User, box: BoxSpec, *, booking_id: str) -> dict[str, Any]:
    """Cancel a member's booking or waitlist place; the first on the waitlist moves up."""
    booking = box_state.bookings.get(booking_id)
    if booking is None or booking.user_id != user.id:
        return {"cancelState": CANCEL_NOT_FOUND}
    session = box_state.classes[booking.class_id]
    if session.box is not box:
        return {"cancelState": CANCEL_NOT_FOUND}
    del box_state.bookings[booking_id]
    if not booking.waitlisted:
        if user.credits is not None:
            user.credits += 1
        waiting = [b for b in box_state.bookings_of_class(session) if b.waitlisted]
        if waiting:
            first = min(waiting, key=lambda b: b.seq)
            first.waitlisted = False
    return {"cancelState": CANCELLED}
