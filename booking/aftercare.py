"""After a prebooking ends: tell the user, and schedule the reminders and the follow-up."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

from booking.notifications import notify
from booking.opening import class_start, localize, parse_time_range
from booking.services import Services
from jobs.catalog import BOOKING_FOLLOWUP, BOOKING_REMINDER
from jobs.client import PublishFailed
from jobs.payloads import PrebookingRef, PrebookingReminder
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)

REMINDER_HOURS = (24, 1)


def class_times(prebooking: Prebooking) -> tuple[datetime, datetime] | None:
    """The class's start and end instants (UTC), when its time is known."""
    if not prebooking.class_time:
        return None
    try:
        start_local = class_start(prebooking.day, prebooking.class_time)
        _, end_time = parse_time_range(prebooking.class_time)
    except ValueError:
        return None
    end_local = start_local.replace(hour=end_time.hour, minute=end_time.minute)
    if end_local <= start_local:
        end_local += timedelta(days=1)
    tz = prebooking.box_timezone
    return localize(start_local, tz).astimezone(UTC), localize(end_local, tz).astimezone(UTC)


def _label(prebooking: Prebooking) -> str:
    name = prebooking.class_name or f"class {prebooking.class_id}"
    return f"{name} on {prebooking.day.isoformat()} {prebooking.class_time or ''}".strip()


async def after_final(prebooking: Prebooking, *, services: Services) -> None:
    """Tell the user, and plan the reminders, once a prebooking is COMPLETED or FAILED.

    Called by `booking.lifecycle.move` on those transitions; safe to call again (each
    notification and job is deduplicated)."""
    await prebooking.fetch_related("user")
    label = _label(prebooking)
    if prebooking.status is PrebookingStatus.COMPLETED:
        title, body = f"Booked: {label}", (
            f"prebook booked {label} ({prebooking.outcome}), "
            f"{prebooking.lateness_ms or 0:.1f} ms after the window opened.")
    else:
        title = f"Could not book: {label}"
        body = f"prebook could not book {label}: {prebooking.error_message or prebooking.outcome}"
    await notify(prebooking.user, kind="OUTCOME", title=title, body=body,
                 prebooking_id=prebooking.id, dedup_key=f"outcome-{prebooking.id}",
                 mailer=services.mailer)
    if prebooking.status is PrebookingStatus.COMPLETED:
        await schedule_reminders(prebooking, services=services)


async def schedule_reminders(prebooking: Prebooking, *, services: Services) -> list[str]:
    """Reminders 24 h and 1 h before the class, and a follow-up after it, as QStash jobs."""
    times = class_times(prebooking)
    if times is None or not services.qstash_enabled:
        return []
    start, end = times
    now = datetime.now(UTC)
    scheduled: list[str] = []
    try:
        for hours in REMINDER_HOURS:
            due = start - timedelta(hours=hours)
            if due > now:
                scheduled.append(await services.jobs.enqueue(
                    BOOKING_REMINDER, PrebookingReminder(prebooking.id, hours),
                    not_before=math.floor(due.timestamp()),
                    deduplication_id=f"reminder-{hours}h-{prebooking.id}"))
        scheduled.append(await services.jobs.enqueue(
            BOOKING_FOLLOWUP, PrebookingRef(prebooking.id),
            not_before=math.floor(max(end, now).timestamp()),
            deduplication_id=f"followup-{prebooking.id}"))
    except PublishFailed as exc:  # the booking stands; only the reminders are missing
        log.warning("reminders for %s not scheduled: %s", prebooking.id, exc)
    return scheduled


async def _tell_booked(prebooking_id: object, kind: str, dedup: str, title: str, body: str,
                       *, services: Services) -> str:
    """Notify about a booked class; `{label}` in title and body names it. Skipped when the
    prebooking is gone or no longer booked (the reminder was due after a change)."""
    prebooking = await Prebooking.get_or_none(id=prebooking_id).prefetch_related("user")
    if prebooking is None or prebooking.status is not PrebookingStatus.COMPLETED:
        return "skipped"
    label = _label(prebooking)
    await notify(prebooking.user, kind=kind, title=title.format(label=label),
                 body=body.format(label=label), prebooking_id=prebooking.id,
                 dedup_key=f"{dedup}-{prebooking.id}", mailer=services.mailer)
    return "sent"


async def remind(prebooking_id: object, hours_before: int, *, services: Services) -> str:
    return await _tell_booked(
        prebooking_id, "REMINDER", f"reminder-{hours_before}h", f"In {hours_before} h: {{label}}",
        f"Reminder: {{label}} starts in {hours_before} hour(s).", services=services)


async def follow_up(prebooking_id: object, *, services: Services) -> str:
    return await _tell_booked(
        prebooking_id, "FOLLOWUP", "followup", "How was it? {label}",
        "{label} is over. prebook can book your next one the instant it opens.",
        services=services)
