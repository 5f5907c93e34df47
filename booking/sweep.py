"""The sweep: missed prebookings run late (or fail with a reason), stuck ones are reconciled,
watched ones whose class began end, and watched ones whose check was lost get a new one."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from booking import accounts, lifecycle
from booking.aftercare import class_times
from booking.aimharder import AccessBlockedError, UpstreamUnavailableError
from booking.execution import ExecutionDeferredError, execute
from booking.services import Services
from booking.watch_plan import next_check, stale_after
from jobs.metrics import metrics
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)
BATCH = 50  # rows of each kind per sweep, so one sweep stays short


@dataclass
class SweepReport:
    executed_late: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    watch_ended: list[str] = field(default_factory=list)  # WATCHING, and the class began
    watch_replanned: list[str] = field(default_factory=list)  # WATCHING with no check coming

    def as_json(self) -> dict[str, Any]:
        return {"executedLate": self.executed_late, "missed": self.missed,
                "reconciled": self.reconciled, "deferred": self.deferred,
                "watchEnded": self.watch_ended, "watchReplanned": self.watch_replanned}


async def _fail(prebooking: Prebooking, reason: str, *, from_status: PrebookingStatus,
                services: Services) -> bool:
    moved = await lifecycle.move(prebooking.id, source=from_status,
                                 target=PrebookingStatus.FAILED, services=services,
                                 facts={"error_message": reason})
    return moved is not None


async def run_missed(services: Services, now: datetime) -> tuple[list[str], list[str], list[str]]:
    """PENDING past its opening without a delivery: book late while the class has not begun."""
    late, missed, deferred = [], [], []
    cutoff = now - timedelta(seconds=services.policy.missed_after_s)
    rows = await Prebooking.filter(status=PrebookingStatus.PENDING, opens_at__lt=cutoff
                                   ).order_by("opens_at").limit(BATCH)
    for row in rows:
        times = class_times(row)
        if times is not None and times[0] <= now:
            if await _fail(row, "missed: no delivery arrived before the class began",
                           from_status=PrebookingStatus.PENDING, services=services):
                missed.append(str(row.id))
            continue
        try:
            report = await execute(row.id, services=services)
        except ExecutionDeferredError:
            deferred.append(str(row.id))
            continue
        if report.ran:
            late.append(str(row.id))
    return late, missed, deferred


async def reconcile_stuck(services: Services, now: datetime) -> list[str]:
    """EXECUTING for too long (a crash mid-way): ask the box what happened; never fire again."""
    done = []
    cutoff = now - timedelta(seconds=services.policy.stuck_after_s)
    # A request may still be in flight until the retry window and the answer timeout are
    # over; asking the box before then could miss a booking that is about to happen.
    timing = services.timing
    settled = now - timedelta(milliseconds=timing.too_early_window_ms + timing.fire_offset_ms,
                              seconds=timing.answer_timeout_s + 1)
    rows = await Prebooking.filter(status=PrebookingStatus.EXECUTING, claimed_at__lt=cutoff,
                                   opens_at__lt=settled).prefetch_related("user").limit(BATCH)
    metrics().record_stuck(len(rows))
    for row in rows:
        try:
            account = await accounts.account_for(row.user)
            # The class list answers the public schedule to anyone: only a session AimHarder
            # has just confirmed makes "no booking" in it mean anything.
            session = await accounts.fresh_session(account, aimharder=services.aimharder,
                                                   vault=services.vault, firing=True)
            classes = await services.aimharder.list_classes(
                session, subdomain=row.box_subdomain, box_id=row.box_id, day=row.day,
                family_id=row.family_id)
        except accounts.NotConnectedError as exc:
            await _fail(row, f"interrupted, and the box cannot be asked: {exc}",
                        from_status=PrebookingStatus.EXECUTING, services=services)
            done.append(str(row.id))
            continue
        except (UpstreamUnavailableError, AccessBlockedError):
            continue  # the next sweep asks again
        found = next((c for c in classes if c.id == row.class_id), None)
        state = found.book_state if found else None
        if state not in (0, 1) and row.watch_checks > 0:  # a watch check: keep watching
            updated = await lifecycle.move(
                row.id, source=PrebookingStatus.EXECUTING, target=PrebookingStatus.WATCHING,
                services=services, facts={"error_message": "a check was interrupted"}
            ) is not None
        elif state in (0, 1):
            moved = await lifecycle.move(
                row.id, source=PrebookingStatus.EXECUTING, target=PrebookingStatus.COMPLETED,
                services=services, facts={
                    "book_state": state, "outcome": "BOOKED" if state == 1 else "WAITLISTED",
                    "booking_id": found.booking_id if found else None,
                    "error_message": "interrupted; the box's booking list shows it booked"})
            updated = moved is not None
        else:
            updated = await _fail(row, "interrupted; the box's booking list shows no booking",
                                  from_status=PrebookingStatus.EXECUTING, services=services)
        if updated:
            done.append(str(row.id))
    return done


async def tend_watching(services: Services, now: datetime) -> tuple[list[str], list[str]]:
    """WATCHING whose class has begun ends FAILED; one quiet for too long (its check was lost)
    gets a new check."""
    ended, replanned = [], []
    quiet_since = now - stale_after(services)
    rows = await Prebooking.filter(status=PrebookingStatus.WATCHING, updated_at__lt=quiet_since
                                   ).order_by("updated_at").limit(BATCH)
    for row in rows:
        times = class_times(row)
        if times is not None and times[0] <= now:
            if await _fail(row, "the class started while it was still full",
                           from_status=PrebookingStatus.WATCHING, services=services):
                ended.append(str(row.id))
            continue
        if await next_check(row, services=services,
                            replan=f"-r{int(now.timestamp())}") is not None:
            await Prebooking.filter(id=row.id, status=PrebookingStatus.WATCHING).update(
                updated_at=now)
            replanned.append(str(row.id))
    return ended, replanned


async def sweep(services: Services, *, now: datetime | None = None) -> SweepReport:
    moment = now or datetime.now(UTC)
    report = SweepReport()
    report.executed_late, report.missed, report.deferred = await run_missed(services, moment)
    report.reconciled = await reconcile_stuck(services, moment)
    report.watch_ended, report.watch_replanned = await tend_watching(services, moment)
    if (report.executed_late or report.missed or report.reconciled or report.watch_ended
            or report.watch_replanned):
        log.info("sweep: %s", report.as_json())
    return report
