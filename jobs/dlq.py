"""Dead letters: list and remove them. What a dead message means is up to the domain
(booking.dead_letters turns dead prebooking deliveries into visible failures)."""

from __future__ import annotations

import logging
from typing import Any

from jobs.client import JobClient
from jobs.metrics import metrics

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


async def remove(client: JobClient, dlq_ids: list[str]) -> int:
    """Delete dead letters that have been dealt with; returns how many went."""
    return int(await client.qstash.dlq.delete_many(dlq_ids)) if dlq_ids else 0
