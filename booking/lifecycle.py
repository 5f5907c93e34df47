"""The prebooking state machine, and the one function every path uses to move a prebooking.

    PENDING ──claim──▶ EXECUTING ──answer──▶ COMPLETED | FAILED
       │                  │  ├──release (nothing fired)──▶ PENDING
       │                  │  └──FULL, watchIfFull──▶ WATCHING ──check claims──▶ EXECUTING
       ├──cancel, account deletion──▶ CANCELLED ◀──cancel── WATCHING ──class started, lost──▶ FAILED
       └──missed, publish failure, dead letter──▶ FAILED        (EXECUTING ──dead letter──▶ FAILED)
    COMPLETED ──cancelBooking (cancelled at the box)──▶ CANCELLED

`move` is a conditional UPDATE from the states the caller expects, so two paths racing for one
prebooking (a delivery and a cancel, two deliveries, the sweep and a late delivery) cannot both
win. Whatever must happen on a transition happens here, once: the facts of the transition, the
live-uniqueness key cleared when the prebooking can no longer book, the transitions metric (and
the outcome metric for final states), the subscription event, and for COMPLETED or FAILED the
user's notification and the reminders; for WATCHING the next check.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime

from booking.aftercare import after_final
from booking.events import moved
from booking.services import Services
from booking.watch_plan import next_check
from jobs.metrics import metrics
from models.prebookings import Prebooking, PrebookingStatus

Status = PrebookingStatus

LEGAL: Mapping[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.EXECUTING, Status.CANCELLED, Status.FAILED}),
    Status.EXECUTING: frozenset({Status.PENDING, Status.COMPLETED, Status.FAILED,
                                 Status.WATCHING}),
    Status.WATCHING: frozenset({Status.EXECUTING, Status.CANCELLED, Status.FAILED}),
    Status.COMPLETED: frozenset({Status.CANCELLED}),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}
# Ended: nothing more will be fired (a COMPLETED booking may still be cancelled at the box).
FINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.CANCELLED})
# These can never book again, so the class is free for a new prebooking of the user's.
_RELEASES_KEY = frozenset({Status.FAILED, Status.CANCELLED})


class IllegalTransitionError(ValueError):
    """A move the state machine does not allow (a programming error, not a race)."""


def check(source: Status, target: Status) -> None:
    if target not in LEGAL[source]:
        raise IllegalTransitionError(f"a prebooking cannot go from {source} to {target}")


async def move(
    prebooking_id: uuid.UUID,
    *,
    source: Status | Collection[Status],
    target: Status,
    services: Services,
    facts: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> Prebooking | None:
    """Move one prebooking from one of `source` to `target`; None when it was not in `source`
    (another path got there first). `facts` are the fields that record what happened."""
    sources = (source,) if isinstance(source, Status) else tuple(source)
    for each in sources:
        check(each, target)
    changes: dict[str, object] = {**(facts or {}), "status": target}
    if target is Status.EXECUTING:
        changes.setdefault("claimed_at", now or datetime.now(UTC))
    elif target in (Status.PENDING, Status.WATCHING):
        changes["claimed_at"] = None
    if target is Status.CANCELLED:
        changes.setdefault("cancelled_at", now or datetime.now(UTC))
    if target in _RELEASES_KEY:
        changes["dedup_key"] = None
    at = now or datetime.now(UTC)
    changes["updated_at"] = at
    moved_from = None
    for each in sources:  # one conditional UPDATE per expected state: the first that holds
        if await Prebooking.filter(id=prebooking_id, status=each).update(**changes):
            moved_from = each
            break
    if moved_from is None:
        return None
    row = await Prebooking.get(id=prebooking_id)
    recorded = metrics()
    recorded.record_transition(source=moved_from.value, target=target.value)
    if target in FINAL:
        recorded.record_outcome(status=target.value, outcome=row.outcome,
                                lateness_ms=row.lateness_ms)
    await services.events.announce(moved(row.user_id, row.id, target.value, at))  # type: ignore[attr-defined]
    if target in (Status.COMPLETED, Status.FAILED):
        await after_final(row, services=services)
    elif target is Status.WATCHING:
        await next_check(row, services=services)
    return row
