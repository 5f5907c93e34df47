"""Dead `prebooking.execute` messages: their prebooking ends FAILED, then they leave the DLQ.

QStash gave up on the delivery (retries exhausted, or a non-retryable answer), so nothing will
run the prebooking any more: the user must see that, not a PENDING row that never moves. A dead
`prebooking.watch` check is planned again while its prebooking is still WATCHING (the watch goes
on; the class's start or the box's -7 end it), then it leaves the DLQ too. Other jobs' dead
letters stay for an operator (`prebook dlq list`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from booking import lifecycle
from booking.services import Services
from booking.watch_plan import next_check
from jobs.catalog import EXECUTE_PREBOOKING, WATCH_PREBOOKING
from jobs.dlq import dead_letters, remove
from jobs.errors import PayloadInvalidError
from jobs.payloads import ExecutePrebooking, PrebookingRef
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    failed: list[str] = field(default_factory=list)  # prebookings marked FAILED
    already_final: list[str] = field(default_factory=list)
    removed: int = 0
    skipped: int = 0  # entries of other destinations, left in the DLQ
    watches_replanned: list[str] = field(default_factory=list)  # dead checks planned again

    def as_json(self) -> dict[str, Any]:
        return {"failed": self.failed, "alreadyFinal": self.already_final,
                "removed": self.removed, "skipped": self.skipped,
                "watchesReplanned": self.watches_replanned}


def _reason(entry: Any) -> str:
    body = (entry.response_body or "").strip()
    return (f"delivery failed for good: HTTP {entry.response_status}"
            + (f": {body[:500]}" if body else ""))


async def _replan_watch(entry: Any, report: ReconcileReport, services: Services) -> None:
    try:
        payload = PrebookingRef.from_body(entry.body or "")
    except PayloadInvalidError:
        return
    row = await Prebooking.get_or_none(id=payload.prebooking_id)
    if row is not None and row.status is PrebookingStatus.WATCHING:
        await next_check(row, services=services, replan=f"-dlq-{entry.dlq_id}")
        report.watches_replanned.append(str(row.id))


async def reconcile(services: Services) -> ReconcileReport:
    report = ReconcileReport()
    done: list[str] = []
    suffix = EXECUTE_PREBOOKING.route
    for entry in await dead_letters(services.jobs):
        if str(entry.url).endswith(WATCH_PREBOOKING.route):
            await _replan_watch(entry, report, services)
            done.append(entry.dlq_id)
            continue
        if not str(entry.url).endswith(suffix):
            report.skipped += 1
            continue
        try:
            payload = ExecutePrebooking.from_body(entry.body or "")
        except PayloadInvalidError:
            done.append(entry.dlq_id)  # nothing to attach it to; keep no poison in the DLQ
            continue
        moved = await lifecycle.move(
            payload.prebooking_id, source=(PrebookingStatus.PENDING, PrebookingStatus.EXECUTING),
            target=PrebookingStatus.FAILED, services=services,
            facts={"error_message": _reason(entry)})
        (report.failed if moved else report.already_final).append(str(payload.prebooking_id))
        done.append(entry.dlq_id)
    report.removed = await remove(services.jobs, done)
    log.info("dlq reconcile: %s", json.dumps(report.as_json()))
    return report
