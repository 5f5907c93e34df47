"""Housekeeping jobs: clean-up by retention, the weekly report, account deletion, reschedule."""

from __future__ import annotations

import logging
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from booking import lifecycle
from booking.execution import schedule_execution
from booking.notifications import notify
from booking.services import Services
from booking.texts import render
from jobs.client import PublishFailedError
from models.deliveries import ProcessedDelivery
from models.notifications import Notification
from models.prebookings import Prebooking, PrebookingStatus
from models.users import AimharderAccount, User

log = logging.getLogger(__name__)
FINISHED = (PrebookingStatus.COMPLETED, PrebookingStatus.FAILED, PrebookingStatus.CANCELLED)


async def cleanup(services: Services, *, now: datetime | None = None) -> dict[str, int]:
    """Prune the delivery ledger, expired sessions, old finished prebookings and notes."""
    moment = now or datetime.now(UTC)
    cutoff = moment - timedelta(days=services.policy.retention_days)
    ledger = await ProcessedDelivery.filter(received_at__lt=cutoff).delete()
    prebookings = await Prebooking.filter(status__in=FINISHED, updated_at__lt=cutoff).delete()
    notes = await Notification.filter(created_at__lt=cutoff).delete()
    # A session long expired is useless; the next use logs in again with the stored password.
    sessions = await AimharderAccount.filter(
        token_expires_at__lt=moment - timedelta(days=1)
    ).update(token_enc=None, refresh_token_enc=None, token_expires_at=None)
    counts = {"ledger": ledger, "prebookings": prebookings, "notifications": notes,
              "sessions": sessions}
    log.info("cleanup: %s", counts)
    return counts


async def weekly_report(services: Services, *, now: datetime | None = None) -> int:
    """One summary notification per user who had prebookings in the last seven days."""
    moment = now or datetime.now(UTC)
    since = moment - timedelta(days=7)
    week = moment.date().isocalendar()
    rows = await Prebooking.filter(created_at__gte=since).prefetch_related("user")
    by_user: dict[uuid.UUID, list[Prebooking]] = {}
    for row in rows:
        by_user.setdefault(row.user.id, []).append(row)
    sent = 0
    for items in by_user.values():
        user = items[0].user
        booked = [p for p in items if p.status is PrebookingStatus.COMPLETED]
        lateness = [p.lateness_ms for p in items if p.lateness_ms is not None]
        title, body = render(
            user.effective_language, "report.weekly", total=len(items), booked=len(booked),
            failed=sum(p.status is PrebookingStatus.FAILED for p in items),
            median_ms=statistics.median(lateness) if lateness else None)
        note = await notify(user, kind="REPORT", title=title, body=body,
                            dedup_key=f"report-{week.year}-{week.week}-{user.id}",
                            mailer=services.mailer)
        sent += note is not None
    return sent


async def delete_account(user_id: uuid.UUID, *, services: Services) -> dict[str, Any]:
    """Cancel the user's pending messages, then remove every row of theirs."""
    user = await User.get_or_none(id=user_id)
    if user is None:
        return {"deleted": False, "reason": "no such user"}
    cancelled = 0
    for row in await Prebooking.filter(user=user, status=PrebookingStatus.PENDING):
        moved = await lifecycle.move(row.id, source=PrebookingStatus.PENDING,
                                     target=PrebookingStatus.CANCELLED, services=services)
        if moved is not None and moved.qstash_message_id:
            cancelled += await services.jobs.cancel(moved.qstash_message_id)
    await user.delete()  # cascades to the account, boxes, prebookings and notifications
    return {"deleted": True, "messagesCancelled": cancelled}


async def reschedule(services: Services) -> dict[str, list[str]]:
    """Publish messages for PENDING prebookings that have none (e.g. after a failed publish)."""
    published, failed = [], []
    rows = await Prebooking.filter(status=PrebookingStatus.PENDING, qstash_message_id=None)
    for row in rows:
        try:
            message_id = await schedule_execution(row.id, row.opens_at, services=services)
        except PublishFailedError as exc:
            log.warning("reschedule %s failed: %s", row.id, exc)
            failed.append(str(row.id))
            continue
        await Prebooking.filter(id=row.id, qstash_message_id=None).update(
            qstash_message_id=message_id)
        published.append(str(row.id))
    return {"published": published, "failed": failed}
