"""After a prebooking ends: tell the user, and schedule the reminders and the follow-up."""

from __future__ import annotations

import json
import logging
import math
from datetime import UTC, datetime, timedelta

from booking.notifications import notify
from booking.opening import class_start, localize, parse_time_range
from booking.outcomes import Outcome, strip_html
from booking.services import Services
from booking.texts import OUTCOMES, class_label, detect_language, outcome_text, render
from jobs.catalog import BOOKING_FOLLOWUP, BOOKING_REMINDER
from jobs.client import PublishFailedError
from jobs.payloads import PrebookingRef, PrebookingReminder
from models.prebookings import Prebooking, PrebookingStatus
from models.users import Language, User

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


def label(prebooking: Prebooking, language: Language) -> str:
    """How the texts name the prebooking's class, in `language`."""
    return class_label(language, name=prebooking.class_name, class_id=prebooking.class_id,
                       day=prebooking.day, class_time=prebooking.class_time)


def box_message(prebooking: Prebooking) -> str | None:
    """The box's own words in the prebooking's last answer (`errorMssg`, written in the
    language of the member's AimHarder account), if it had any."""
    try:
        payload = json.loads(prebooking.raw_answer or "")
    except ValueError:
        return None
    message = payload.get("errorMssg") if isinstance(payload, dict) else None
    return (strip_html(message) or None) if isinstance(message, str) else None


async def learn_box_language(user: User, message: str | None) -> None:
    """Remember the language the box writes to this member in, the first time one of its
    messages tells (the default for their texts until they choose one)."""
    if user.box_language is not None or not message:
        return
    language = detect_language(message)
    if language is None:
        return
    await User.filter(id=user.id, box_language=None).update(box_language=language)
    user.box_language = language


# Outcomes whose phrase says less than the box's own words.
_VAGUE = frozenset({None, Outcome.UNKNOWN.value, Outcome.BOX_RULE.value})


def failure_reason(prebooking: Prebooking, language: Language) -> str:
    """Why a prebooking failed, for its user: the box's words when they are in `language`
    (or say more than the outcome), else the outcome's phrase; prebook's own detail, in
    English, only beside a technical error."""
    message = box_message(prebooking)
    if message and (prebooking.outcome in _VAGUE or detect_language(message) is language):
        return message
    if prebooking.outcome in OUTCOMES and prebooking.outcome not in _VAGUE:
        return outcome_text(language, prebooking.outcome)
    generic = outcome_text(language, prebooking.outcome)
    return f"{generic} ({prebooking.error_message})" if prebooking.error_message else generic


def outcome_note(prebooking: Prebooking, language: Language) -> tuple[str, str]:
    """(title, body) telling the user how a COMPLETED or FAILED prebooking ended."""
    named = label(prebooking, language)
    if prebooking.status is not PrebookingStatus.COMPLETED:
        return render(language, "outcome.failed", label=named,
                      reason=failure_reason(prebooking, language))
    if prebooking.outcome == Outcome.WAITLISTED:
        return render(language, "outcome.waitlisted", label=named)
    return render(language, "outcome.booked", label=named, outcome=prebooking.outcome,
                  lateness_ms=prebooking.lateness_ms)


async def after_final(prebooking: Prebooking, *, services: Services) -> None:
    """Tell the user, and plan the reminders, once a prebooking is COMPLETED or FAILED.

    Called by `booking.lifecycle.move` on those transitions; safe to call again (each
    notification and job is deduplicated)."""
    await prebooking.fetch_related("user")
    await learn_box_language(prebooking.user, box_message(prebooking))
    title, body = outcome_note(prebooking, prebooking.user.effective_language)
    await notify(prebooking.user, kind="OUTCOME", title=title, body=body,
                 prebooking_id=prebooking.id, dedup_key=f"outcome-{prebooking.id}",
                 mailer=services.mailer)
    if prebooking.status is PrebookingStatus.COMPLETED:
        await schedule_reminders(prebooking, services=services)


async def schedule_reminders(prebooking: Prebooking, *, services: Services) -> list[str]:
    """Reminders 24 h and 1 h before the class, and a follow-up after it, as QStash jobs."""
    times = class_times(prebooking)
    if times is None:
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
    except PublishFailedError as exc:  # the booking stands; only the reminders are missing
        log.warning("reminders for %s not scheduled: %s", prebooking.id, exc)
    return scheduled


async def _tell_booked(prebooking_id: object, kind: str, dedup: str, key: str,
                       *, services: Services) -> str:
    """Notify about a booked class with the text `key` (its one parameter, `label`, names
    the class). Skipped when the prebooking is gone or no longer booked (the reminder was
    due after a change)."""
    prebooking = await Prebooking.get_or_none(id=prebooking_id).prefetch_related("user")
    if prebooking is None or prebooking.status is not PrebookingStatus.COMPLETED:
        return "skipped"
    language = prebooking.user.effective_language
    title, body = render(language, key, label=label(prebooking, language))
    await notify(prebooking.user, kind=kind, title=title, body=body,
                 prebooking_id=prebooking.id, dedup_key=f"{dedup}-{prebooking.id}",
                 mailer=services.mailer)
    return "sent"


async def remind(prebooking_id: object, hours_before: int, *, services: Services) -> str:
    return await _tell_booked(prebooking_id, "REMINDER", f"reminder-{hours_before}h",
                              f"reminder.{hours_before}", services=services)


async def follow_up(prebooking_id: object, *, services: Services) -> str:
    return await _tell_booked(prebooking_id, "FOLLOWUP", "followup", "followup",
                              services=services)
