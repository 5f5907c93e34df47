"""One check of a WATCHING prebooking (a class that was full at its opening).

Each check is its own QStash message (`prebooking.watch`), planned by `booking.watch_plan`:
claim the prebooking (WATCHING -> EXECUTING, so a check runs exactly once however often it is
delivered), list the class, and when `booked < capacity` send the booking through the same
gate and outcome rules as at the opening. Still full, or AimHarder unreachable: back to
WATCHING (the lifecycle plans the next check). It ends when booked, when the box answers
that booking has closed (-7, TOO_LATE), when the class starts, or when the user cancels.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from booking import accounts, lifecycle
from booking.aftercare import class_times
from booking.aimharder import AccessBlockedError, UpstreamUnavailableError
from booking.execution import ExecutionReport, fire, record_outcome
from booking.outcomes import Outcome
from booking.services import Services
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)
S = PrebookingStatus


async def _back_to_watching(row: Prebooking, reason: str, *, services: Services
                            ) -> ExecutionReport:
    moved = await lifecycle.move(row.id, source=S.EXECUTING, target=S.WATCHING,
                                 services=services, facts={"error_message": reason})
    status = moved.status if moved else (await Prebooking.get(id=row.id)).status
    return ExecutionReport(str(row.id), status, outcome=row.outcome, attempts=row.attempts)


async def check(prebooking_id: uuid.UUID, *, services: Services,
                now: datetime | None = None) -> ExecutionReport:
    watched = await Prebooking.get_or_none(id=prebooking_id, status=S.WATCHING)
    if watched is None:  # booked, ended or cancelled since: this check has nothing to do
        current = await Prebooking.get_or_none(id=prebooking_id)
        return ExecutionReport(str(prebooking_id), current.status if current else None,
                               ran=False)
    moment = now or datetime.now(UTC)
    times = class_times(watched)
    if times is not None and moment >= times[0]:
        ended = await lifecycle.move(
            watched.id, source=S.WATCHING, target=S.FAILED, services=services,
            facts={"error_message": "the class started while it was still full"})
        return ExecutionReport(str(watched.id), ended.status if ended else None,
                               ran=ended is not None, outcome=watched.outcome)
    row = await lifecycle.move(watched.id, source=S.WATCHING, target=S.EXECUTING,
                               services=services,
                               facts={"watch_checks": watched.watch_checks + 1})
    if row is None:  # another delivery of this check, or a cancel, got there first
        current = await Prebooking.get(id=watched.id)
        return ExecutionReport(str(watched.id), current.status, ran=False)
    await row.fetch_related("user")
    try:
        account = await accounts.account_for(row.user)
        session = await accounts.fresh_session(
            account, aimharder=services.aimharder, vault=services.vault, firing=True)
        classes = await services.aimharder.list_classes(
            session, subdomain=row.box_subdomain, box_id=row.box_id, day=row.day,
            family_id=row.family_id)
    except accounts.NotConnectedError as exc:
        return await record_outcome(services, row, None, error=str(exc), attempts=row.attempts)
    except AccessBlockedError as exc:
        return await record_outcome(services, row, None, error=str(exc), attempts=row.attempts,
                                    outcome=Outcome.ACCESS_BLOCKED)
    except UpstreamUnavailableError as exc:
        return await _back_to_watching(row, f"AimHarder unavailable at a check: {exc}",
                                       services=services)
    found = next((c for c in classes if c.id == row.class_id), None)
    if found is None:
        return await record_outcome(
            services, row, None, attempts=row.attempts,
            error="the class is no longer on the box's schedule")
    if found.capacity is not None and found.booked is not None and found.booked >= found.capacity:
        return await _back_to_watching(
            row, f"full at check {row.watch_checks}: {found.booked}/{found.capacity}",
            services=services)
    log.info("prebooking %s: a place is free in %s (%s/%s); booking", row.id, row.class_id,
             found.booked, found.capacity)
    return await fire(services, row, account, session)
