"""Dead letters: list them, and turn dead prebooking deliveries into visible failures."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from jobs.catalog import EXECUTE_PREBOOKING
from jobs.client import JobClient
from jobs.errors import PayloadInvalid
from jobs.metrics import metrics
from jobs.payloads import ExecutePrebooking
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)
MAX_SCANNED = 10_000


async def dead_letters(client: JobClient, limit: int = MAX_SCANNED) -> list[Any]:
    """Every DLQ entry (paged through the SDK), up to `limit`; the depth goes to /metrics."""
    entries: list[Any] = []
    cursor: str | None = None
    while len(entries) < limit:
        page = await client.qstash.dlq.list(cursor=cursor, count=100)
        entries.extend(page.messages)
        cursor = page.cursor
        if not cursor or not page.messages:
            break
    entries = entries[:limit]
    metrics().record_dlq_depth(len(entries))
    return entries


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


async def reconcile(client: JobClient) -> ReconcileReport:
    """Dead `prebooking.execute` messages mark their prebooking FAILED, then leave the DLQ."""
    report = ReconcileReport()
    done: list[str] = []
    suffix = EXECUTE_PREBOOKING.route
    for entry in await dead_letters(client):
        if not str(entry.url).endswith(suffix):
            report.skipped += 1
            continue
        try:
            payload = ExecutePrebooking.from_body(entry.body or "")
        except PayloadInvalid:
            done.append(entry.dlq_id)  # nothing to attach it to; keep no poison in the DLQ
            continue
        updated = await Prebooking.filter(
            id=payload.prebooking_id,
            status__in=[PrebookingStatus.PENDING, PrebookingStatus.EXECUTING],
        ).update(status=PrebookingStatus.FAILED, error_message=_reason(entry), dedup_key=None)
        (report.failed if updated else report.already_final).append(str(payload.prebooking_id))
        done.append(entry.dlq_id)
    if done:
        report.removed = await client.qstash.dlq.delete_many(done)
    log.info("dlq reconcile: %s", json.dumps(report.as_json()))
    return report
