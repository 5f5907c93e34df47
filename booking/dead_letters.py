"""Dead `prebooking.execute` messages: their prebooking ends FAILED, then they leave the DLQ.

QStash gave up on the delivery (retries exhausted, or a non-retryable answer), so nothing will
run the prebooking any more: the user must see that, not a PENDING row that never moves.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from booking import lifecycle
from booking.services import Services
from jobs.catalog import EXECUTE_PREBOOKING
from jobs.dlq import dead_letters, remove
from jobs.errors import PayloadInvalidError
from jobs.payloads import ExecutePrebooking
from models.prebookings import PrebookingStatus

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    failed: list[str] = field(default_factory=list)  # prebookings marked FAILED
    already_final: list[str] = field(default_factory=list)
    removed: int = 0
    skipped: int = 0  # entries of other destinations, left in the DLQ

    def as_json(self) -> dict[str, Any]:
        return {"failed": self.failed, "alreadyFinal": self.already_final,
                "removed": self.removed, "skipped": self.skipped}


def _reason(entry: Any) -> str:
    body = (entry.response_body or "").strip()
    return (f"delivery failed for good: HTTP {entry.response_status}"
            + (f": {body[:500]}" if body else ""))


async def reconcile(services: Services) -> ReconcileReport:
    report = ReconcileReport()
    done: list[str] = []
    suffix = EXECUTE_PREBOOKING.route
    for entry in await dead_letters(services.jobs):
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
