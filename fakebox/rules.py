"""How the fake box answers `api/book` and `api/cancelBook`, and how others take and free places.

Book checks, in order: the class exists (on that day, when the form gives one); booking has
not closed (`closesAt`, by default the class's start: bookState -7); the window is open at
the instant the request arrived, to the nanosecond (-12); the member holds nothing else at
that hour, this class included (-12); credit (-2); the member's booking limit (-8); room,
else the waitlist with `insist=1` (0), else full (-1).

Cancel: within 2 hours of the start a place is only given up with `late=1` (cancelState 2
asks first; the credit is lost), once the class has started nothing is cancelled (3). Freeing
a place moves the first waiting member in.
"""

from __future__ import annotations

from typing import Any

from fakebox import texts
from fakebox.accounts import User
from fakebox.config import BoxSpec
from fakebox.state import ClassSession, FakeBoxState

LATE_CANCEL_NS = 2 * 3600 * 1_000_000_000
CONTRACTED = "WOD, OPEN BOX, HALTEROFILIA, GYMNASTICS, CONDITIONING, TEAM WOD"


def _answer(book_state: int, **extra: Any) -> dict[str, Any]:
    return {"clasesContratadas": CONTRACTED, "bookState": book_state, **extra}


def _coded(book_state: int, message_and_code: tuple[str, str]) -> dict[str, Any]:
    message, code = message_and_code
    return _answer(book_state, errorMssg=message, errorMssgLang=code)


def _taken(book_state: int, booking_id: int) -> dict[str, Any]:
    """A place (1) or a waitlist place (0): the reservation id comes back as a string."""
    return {
        "clasesContratadas": CONTRACTED,
        "hasPublicMemberships": 1,
        "bookState": book_state,
        "id": str(booking_id),
    }


def _same_hour(state: FakeBoxState, user: User, session: ClassSession) -> bool:
    for booking in state.bookings.of_user(user.id):
        other = state.classes[booking.class_id]
        if other.box is session.box and other.day == session.day and other.start == session.start:
            return True
    return False


def _active_bookings(state: FakeBoxState, user: User) -> int:
    return sum(1 for b in state.bookings.of_user(user.id) if not b.waitlisted)


def book(
    state: FakeBoxState,
    user: User,
    session: ClassSession | None,
    *,
    insist: bool,
    received_at_ns: int,
) -> dict[str, Any]:
    if session is None:
        # An answer with `errorMssg` and no `bookState`, a shape AimHarder is seen to use.
        return {"clasesContratadas": CONTRACTED, "errorMssg": texts.not_found(user.lang)}
    if received_at_ns >= session.closes_at_ns:
        minutes = (session.starts_at_ns - session.closes_at_ns) // 60_000_000_000
        return _answer(-7, errorMssg=texts.too_late(user.lang, minutes))
    if received_at_ns < session.opens_at_ns:
        return _coded(-12, texts.too_early(user.lang, session.box.window))
    if _same_hour(state, user, session):
        return _coded(-12, texts.same_hour(user.lang))
    if user.credits is not None and user.credits <= 0:
        return _answer(-2, errorMssg=texts.no_credit(user.lang))
    if user.max_bookings is not None and _active_bookings(state, user) >= user.max_bookings:
        return _answer(-8, max=user.max_bookings)
    if state.taken(session) < session.capacity:
        booking = state.add_booking(user, session, waitlisted=False)
        if user.credits is not None:
            user.credits -= 1
        return _taken(1, booking.id)
    if insist:
        booking = state.add_booking(user, session, waitlisted=True)
        return _taken(0, booking.id)
    return _answer(-1, errorMssg=texts.full(user.lang))


def cancel(
    state: FakeBoxState,
    user: User,
    box: BoxSpec,
    *,
    booking_id: str,
    late: bool,
    received_at_ns: int,
) -> dict[str, int]:
    """Cancel a member's place or waitlist place, by its reservation id (`idres`)."""
    booking = state.bookings.get(int(booking_id)) if booking_id.isdigit() else None
    if booking is None or booking.user_id != user.id:
        return {"cancelState": 3}
    session = state.classes[booking.class_id]
    if session.box is not box or received_at_ns >= session.starts_at_ns:
        return {"cancelState": 3}
    is_late = session.starts_at_ns - received_at_ns < LATE_CANCEL_NS
    if not booking.waitlisted and is_late and not late:
        return {"cancelState": 2}
    del state.bookings[booking.id]
    if not booking.waitlisted:
        if user.credits is not None and not is_late:
            user.credits += 1
        _promote(state, session, places=1)
    return {"cancelState": 1}


def _promote(state: FakeBoxState, session: ClassSession, *, places: int) -> None:
    """Move waiting members into free places, first come first."""
    free = session.capacity - state.taken(session)
    for booking in state.waiting(session)[: max(0, min(places, free))]:
        booking.waitlisted = False
        member = state.accounts.user_by_id(booking.user_id)
        if member.credits is not None:
            member.credits = max(0, member.credits - 1)


def free(state: FakeBoxState, session: ClassSession, places: int) -> None:
    """Others cancel `places` places; waiting members move in first."""
    if places > session.others:
        raise ValueError(f"only {session.others} places are taken by others")
    session.others -= places
    _promote(state, session, places=places)


def fill(state: FakeBoxState, session: ClassSession, places: int) -> None:
    """Others book `places` places."""
    room = session.capacity - state.taken(session)
    if places > room:
        raise ValueError(f"only {room} places are free")
    session.others += places
