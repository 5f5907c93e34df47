"""The upkeep rules in-process, over a real database, with the clock injected: the sweep
(missed openings, watches whose class began), the clean-up (retention) and the reminders."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from booking.aftercare import class_times, schedule_reminders
from booking.maintenance import cleanup
from booking.services import Services
from booking.sweep import sweep
from models.notifications import Notification
from models.prebookings import Prebooking
from models.prebookings import PrebookingStatus as S
from models.users import User
from tests.booking.test_lifecycle import prebooking_in


async def a_user() -> User:
    return await User.create(subject=f"upkeep-{uuid.uuid4().hex[:8]}", email="upkeep@example.com")


def started(row: Prebooking) -> datetime:
    times = class_times(row)
    assert times is not None
    return times[0]


async def test_a_missed_opening_whose_class_began_ends_failed(services: Services) -> None:
    row = await prebooking_in(S.PENDING, await a_user())
    just_after_start = started(row) + timedelta(minutes=1)  # the clock, moved days ahead
    report = await sweep(services, now=just_after_start)
    assert report.missed == [str(row.id)]
    after = await Prebooking.get(id=row.id)
    assert after.status is S.FAILED and after.dedup_key is None
    assert after.error_message is not None and after.error_message.startswith("missed")
    again = await sweep(services, now=just_after_start)  # nothing left to do
    assert again.missed == [] and again.executed_late == []


async def test_a_pending_prebooking_before_its_opening_is_left_alone(services: Services) -> None:
    row = await prebooking_in(S.PENDING, await a_user())
    report = await sweep(services, now=row.opens_at - timedelta(seconds=30))
    assert report.missed == [] and report.executed_late == []
    assert (await Prebooking.get(id=row.id)).status is S.PENDING


async def test_a_watch_whose_class_began_ends_failed(services: Services) -> None:
    row = await prebooking_in(S.WATCHING, await a_user())
    report = await sweep(services, now=started(row) + timedelta(minutes=1))
    assert report.watch_ended == [str(row.id)]
    assert (await Prebooking.get(id=row.id)).status is S.FAILED


async def test_clean_up_prunes_only_what_is_past_retention(services: Services) -> None:
    user = await a_user()
    now = datetime.now(UTC) + timedelta(days=365)  # a year on: everything made now is old
    keep_days = services.policy.retention_days
    old_done = await prebooking_in(S.COMPLETED, user)
    old_pending = await prebooking_in(S.PENDING, user)
    recent_done = await prebooking_in(S.FAILED, user)
    await Prebooking.filter(id__in=[old_done.id, old_pending.id]).update(
        updated_at=now - timedelta(days=keep_days + 1))
    await Prebooking.filter(id=recent_done.id).update(updated_at=now - timedelta(days=1))
    old_note = await Notification.create(user=user, kind="REPORT", title="t", body="b")
    recent_note = await Notification.create(user=user, kind="REPORT", title="t", body="b")
    await Notification.filter(id=old_note.id).update(created_at=now - timedelta(days=keep_days + 1))
    await Notification.filter(id=recent_note.id).update(created_at=now - timedelta(days=1))

    counts = await cleanup(services, now=now)

    assert counts["prebookings"] == 1 and counts["notifications"] == 1
    left = set(await Prebooking.filter(user=user).values_list("id", flat=True))
    assert left == {old_pending.id, recent_done.id}  # a live prebooking is never pruned
    assert await Notification.filter(user=user).count() == 1


async def test_reminders_and_the_follow_up_are_planned_for_a_booked_class(
        services: Services) -> None:
    row = await prebooking_in(S.COMPLETED, await a_user())
    planned = await schedule_reminders(row, services=services)
    assert len(planned) == 3 and len(set(planned)) == 3  # 24 h, 1 h before; after the end
    no_time = await prebooking_in(S.COMPLETED, await a_user())
    no_time.class_time = None
    assert await schedule_reminders(no_time, services=services) == []
