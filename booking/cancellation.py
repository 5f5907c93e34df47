"""Cancelling at the box the place (or waiting-list place) a prebooking got: `cancelBooking`.

AimHarder's `api/cancelBook` answers `cancelState` 1 (cancelled), 2 (inside the box's late
window: cancelling loses the credit; ask again with late=1) or 3 (refused). A cancelled place
moves the prebooking COMPLETED -> CANCELLED with outcome CANCELLED_AT_BOX (the lifecycle).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from booking import accounts, lifecycle
from booking.aimharder import (
    AimharderSession,
    CancelState,
    SessionExpiredError,
    UnexpectedAnswerError,
)
from booking.outcomes import Outcome
from booking.prebookings import NotFoundError, get_owned
from booking.services import Services
from models.prebookings import Prebooking, PrebookingStatus
from models.users import User

# Outcomes that hold a place (or a waiting-list place) at the box.
HOLDS_A_PLACE = frozenset({Outcome.BOOKED.value, Outcome.WAITLISTED.value,
                           Outcome.ALREADY_BOOKED.value})


class LateCancellationError(Exception):
    """The box would cancel only with the credit lost: the user must confirm (late=True)."""


class BoxRefusedError(Exception):
    def __init__(self, message: str, cancel_state: int | None) -> None:
        super().__init__(message)
        self.cancel_state = cancel_state


async def _reservation_id(row: Prebooking, session: AimharderSession, services: Services
                          ) -> str:
    """The reservation id (`idres`) to cancel: from the booking answer, else the class list."""
    if row.booking_id:
        return row.booking_id
    classes = await services.aimharder.list_classes(
        session, subdomain=row.box_subdomain, box_id=row.box_id, day=row.day,
        family_id=row.family_id)
    found = next((c for c in classes if c.id == row.class_id), None)
    if found is None or not found.booking_id:
        raise BoxRefusedError("the box's schedule shows no booking of yours for this class",
                              None)
    return found.booking_id


async def cancel_booking(user: User, prebooking_id: uuid.UUID, *, late: bool,
                         services: Services) -> Prebooking:
    row = await get_owned(user, prebooking_id)
    if row is None:
        raise NotFoundError("no such prebooking")
    if row.status is PrebookingStatus.CANCELLED and row.outcome == Outcome.CANCELLED_AT_BOX:
        return row  # cancelled already: asking again changes nothing
    if row.status is not PrebookingStatus.COMPLETED or row.outcome not in HOLDS_A_PLACE:
        raise NotFoundError(
            f"this prebooking holds no place at the box (it is {row.status.value}); "
                       "cancelPrebooking cancels one that has not booked yet")
    account = await accounts.account_for(user)
    session = await accounts.fresh_session(account, aimharder=services.aimharder,
                                           vault=services.vault)
    try:
        state = await _cancel_at_box(row, session, late=late, services=services)
    except SessionExpiredError:
        session = await accounts.fresh_session(account, aimharder=services.aimharder,
                                               vault=services.vault, force=True)
        state = await _cancel_at_box(row, session, late=late, services=services)
    if state is CancelState.LATE:
        raise LateCancellationError(
            "the class is too close: the box keeps the credit if you cancel now; "
            "call cancelBooking again with late: true to cancel anyway")
    if state is CancelState.REFUSED:
        current = await Prebooking.get(id=row.id)
        if current.status is PrebookingStatus.CANCELLED:  # a concurrent call cancelled it
            return current
        raise BoxRefusedError("the box refused the cancellation (cancelState 3): the class "
                              "may have started, or the booking is already gone", 3)
    moved = await lifecycle.move(
        row.id, source=PrebookingStatus.COMPLETED, target=PrebookingStatus.CANCELLED,
        services=services, facts={"outcome": Outcome.CANCELLED_AT_BOX.value,
                                  "cancelled_at": datetime.now(UTC)})
    return moved or await Prebooking.get(id=row.id)


async def _cancel_at_box(row: Prebooking, session: AimharderSession, *, late: bool,
                         services: Services) -> CancelState:
    booking_id = await _reservation_id(row, session, services)
    try:
        return await services.aimharder.cancel(
            session, subdomain=row.box_subdomain, booking_id=booking_id, late=late,
            family_id=row.family_id)
    except UnexpectedAnswerError as exc:
        raise BoxRefusedError(str(exc), None) from exc
