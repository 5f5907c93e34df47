"""Planning the next check of a WATCHING prebooking: one QStash message each time.

The lifecycle calls `next_check` whenever a prebooking enters WATCHING (a FULL answer with
`watchIfFull`, or a check that found the class still full), so every WATCHING prebooking has
one check on its way. A lost message (publish failure, dead letter) is re-planned by the
sweep once the prebooking has been quiet for `stale_after` of the interval.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from booking.aftercare import label
from booking.notifications import notify
from booking.services import Services
from booking.texts import render
from jobs.catalog import WATCH_PREBOOKING
from jobs.client import PublishFailedError
from jobs.payloads import PrebookingRef
from models.prebookings import Prebooking

log = logging.getLogger(__name__)

JITTER = 0.2  # each interval is drawn from ±20 % of the setting, so watchers do not align
STALE_INTERVALS = 3  # no check for this many intervals: the sweep plans one again


def stale_after(services: Services) -> timedelta:
    return timedelta(seconds=max(STALE_INTERVALS * services.policy.watch_interval_s, 120.0))


def interval_s(services: Services, draw: float | None = None) -> int:
    """Seconds until the next check, at least 1 (QStash's unit is whole seconds)."""
    factor = 1 + JITTER * (2 * (random.random() if draw is None else draw) - 1)
    return max(1, round(services.policy.watch_interval_s * factor))


async def next_check(row: Prebooking, *, services: Services, replan: str = "") -> str | None:
    """Enqueue the next check; the message id, or None when it could not be published.
    `replan` (the sweep's) makes a new deduplication id when the planned check was lost."""
    if row.watch_checks == 0:  # the first time: tell the user prebook keeps watching
        await row.fetch_related("user")
        language = row.user.effective_language
        title, body = render(language, "outcome.watching", label=label(row, language),
                             interval_s=round(services.policy.watch_interval_s))
        await notify(row.user, kind="OUTCOME", title=title, body=body, prebooking_id=row.id,
                     dedup_key=f"watching-{row.id}", mailer=services.mailer)
    try:
        return await services.jobs.enqueue(
            WATCH_PREBOOKING, PrebookingRef(row.id), delay=interval_s(services),
            deduplication_id=f"watch-{row.id}-{row.watch_checks}{replan}")
    except PublishFailedError as exc:
        log.warning("could not plan the next check of %s (the sweep will): %s", row.id, exc)
        return None
