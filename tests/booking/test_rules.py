"""Weekly rules in-process, against a real database, localqstash and the fake box: validation,
the occurrences a rule wants (in the box's zone), and materialising them exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from booking import materialise, rules
from booking.prebookings import ValidationFailedError
from booking.services import Services
from models.notifications import Notification
from models.prebookings import Prebooking, PrebookingStatus
from models.rules import Rule
from tests.booking.boxkit import DEMO_BOX_ID, MADRID, connected_user, fake_class
from tests.servers import ServerThread

SPEC = rules.RuleSpec(box_id=DEMO_BOX_ID, weekdays=(1, 3), time="18:00", class_name="WOD")


@pytest.mark.parametrize(("change", "field"), [
    ({"weekdays": ()}, "weekdays"),
    ({"weekdays": (0,)}, "weekdays"),
    ({"weekdays": (8,)}, "weekdays"),
    ({"time": "18"}, "time"),
    ({"time": "24:00"}, "time"),
    ({"time": "7:30"}, "time"),
    ({"class_name": "   "}, "className"),
    ({"class_name": "x" * 101}, "className"),
    ({"box_id": "no-box!"}, "boxId"),
    ({"family_id": "a b"}, "familyId"),
    ({"starts_on": date(2027, 2, 1), "ends_on": date(2027, 1, 1)}, "endsOn"),
    ({"ends_on": date(2020, 1, 1)}, "endsOn"),
    ({"skip_dates": tuple(date(2027, 1, 1) + timedelta(days=i) for i in range(101))},
     "skipDates"),
])
def test_a_rule_with_bad_input_is_refused_naming_the_field(change: dict[str, object],
                                                           field: str) -> None:
    with pytest.raises(ValidationFailedError) as refused:
        replace(SPEC, **change).validated(today=date(2026, 12, 1))  # type: ignore[arg-type]
    assert refused.value.field == field


def test_a_valid_rule_is_normalised() -> None:
    spec = replace(SPEC, weekdays=(3, 1, 3), class_name="  open   box ",
                   skip_dates=(date(2027, 1, 6), date(2027, 1, 4), date(2027, 1, 6)))
    clean = spec.validated(today=date(2026, 12, 1))
    assert clean.weekdays == (1, 3)
    assert clean.class_name == "open box"
    assert clean.skip_dates == (date(2027, 1, 4), date(2027, 1, 6))


def _rule(weekdays: str, time: str, **extra: object) -> Rule:
    return Rule(box_id=DEMO_BOX_ID, weekdays=weekdays, time=time, class_name="WOD",
                **{"skip_dates": [], **extra})


def test_occurrences_follow_the_box_clock_across_midnight_and_dst() -> None:
    # 23:30 UTC on Tuesday 20 October 2026 is already 01:30 on Wednesday in Madrid.
    now = datetime(2026, 10, 20, 23, 30, tzinfo=UTC)
    wednesday_early = _rule("3", "00:45")
    # Today's 00:45 has passed in Madrid; the next is Wednesday 28th, after the clocks went
    # back on Sunday 25th (CET, UTC+1): 27th 23:45 UTC, within the 8 days.
    assert materialise.occurrence_days(wednesday_early, "Europe/Madrid", now, 8) == [
        date(2026, 10, 28)]
    sunday = _rule("7", "02:30")  # the hour that happens twice on 25 October
    assert materialise.occurrence_days(sunday, "Europe/Madrid", now, 8) == [date(2026, 10, 25)]
    skipping = _rule("7", "02:30", skip_dates=["2026-10-25"])
    assert materialise.occurrence_days(skipping, "Europe/Madrid", now, 8) == []
    bounded = _rule("1,2,3,4,5,6,7", "12:00", starts_on=date(2026, 10, 23),
                    ends_on=date(2026, 10, 24))
    assert materialise.occurrence_days(bounded, "Europe/Madrid", now, 8) == [
        date(2026, 10, 23), date(2026, 10, 24)]


async def _rule_with_classes(services: Services, box_url: str, name: str = "Rule WOD"
                             ) -> tuple[Rule, list[date]]:
    """Two classes at 19:17 Madrid, 5 and 6 days ahead (windows not open: 4 days), and a rule
    for their two weekdays. Their weekdays' other occurrences are past or beyond 8 days."""
    user = await connected_user(services, box_url)
    base = datetime.now(MADRID).replace(hour=19, minute=17, second=0, microsecond=0)
    days = []
    for ahead in (5, 6):
        made = await fake_class(box_url, start=base + timedelta(days=ahead), name=name)
        days.append(made["date"])
    spec = rules.RuleSpec(box_id=DEMO_BOX_ID, weekdays=tuple(d.isoweekday() for d in days),
                          time="19:17", class_name="rule wod")
    return await rules.create(user, spec), days


async def test_a_rule_places_one_prebooking_per_occurrence_however_often_it_runs(
        services: Services, fakebox_server: ServerThread) -> None:
    rule, days = await _rule_with_classes(services, fakebox_server.url)
    first = await materialise.run(services)
    assert len(first.placed) == 2, first.as_json()
    assert first.class_lists == 2  # one list per day, as both occurrences are at one box
    # Again, and twice at once: nothing more is placed, and nothing is listed again.
    again = await asyncio.gather(materialise.run(services), materialise.run(services))
    later = await materialise.run(services)
    assert [r.placed for r in (*again, later)] == [[], [], []]
    assert later.class_lists == 0
    placed = await Prebooking.filter(rule_id=rule.id).order_by("day")
    assert [p.day for p in placed] == days
    assert all(p.status is PrebookingStatus.PENDING for p in placed)
    for row in placed:  # the box's 4-day window, learnt from the first "too early" answer
        start = datetime.combine(row.day, datetime.min.time().replace(hour=19, minute=17),
                                 tzinfo=MADRID)
        assert row.opens_at == (start - timedelta(days=4)).astimezone(UTC)
        assert row.qstash_message_id


async def test_two_rules_at_one_box_share_the_days_class_lists(
        services: Services, fakebox_server: ServerThread) -> None:
    first, days = await _rule_with_classes(services, fakebox_server.url, name="Shared WOD")
    other = await connected_user(services, fakebox_server.url)
    second = await rules.create(other, rules.RuleSpec(
        box_id=DEMO_BOX_ID, weekdays=tuple(d.isoweekday() for d in days), time="19:17",
        class_name="shared"))
    report = await materialise.run(services, rule_ids=[first.id, second.id])
    assert len(report.placed) == 4
    assert report.class_lists == 2


async def test_an_occurrence_without_a_matching_class_is_told_once_and_skipped(
        services: Services, fakebox_server: ServerThread) -> None:
    rule, _ = await _rule_with_classes(services, fakebox_server.url)
    await Rule.filter(id=rule.id).update(class_name="pilates")
    report = await materialise.run(services, rule_ids=[rule.id])
    assert report.placed == [] and len(report.no_class) == 2
    again = await materialise.run(services, rule_ids=[rule.id])
    assert again.no_class == [] and again.class_lists == 0
    notes = await Notification.filter(user_id=rule.user_id, kind="RULE")  # type: ignore[attr-defined]
    assert len(notes) == 2


async def test_changing_pausing_skipping_and_deleting_cancel_what_has_not_fired(
        services: Services, fakebox_server: ServerThread) -> None:
    rule, days = await _rule_with_classes(services, fakebox_server.url)
    await materialise.run(services, rule_ids=[rule.id])
    user = await rule.user

    # Skipping a day cancels its prebooking, which stays with the rule: not placed again.
    await rules.skip_date(user, rule.id, days[0], services=services)
    await materialise.run(services, rule_ids=[rule.id])
    statuses = {p.day: p.status for p in await Prebooking.filter(rule_id=rule.id)}
    assert statuses == {days[0]: PrebookingStatus.CANCELLED, days[1]: PrebookingStatus.PENDING}

    # Pausing cancels and lets go of the rest; resuming places it again.
    await rules.set_paused(user, rule.id, True, services=services)
    assert await Prebooking.filter(rule_id=rule.id, status=PrebookingStatus.PENDING).count() == 0
    assert (await materialise.run(services, rule_ids=[rule.id])).rules == 0  # paused
    await rules.set_paused(user, rule.id, False, services=services)
    assert len((await materialise.run(services, rule_ids=[rule.id])).placed) == 1

    # A new time: what was placed for the old one goes.
    changed = await rules.update(user, rule.id, {"time": "19:18"}, services=services)
    assert changed.time == "19:18"
    assert await Prebooking.filter(rule_id=rule.id, status=PrebookingStatus.PENDING).count() == 0

    await rules.update(user, rule.id, {"time": "19:17"}, services=services)
    await materialise.run(services, rule_ids=[rule.id])
    assert await rules.delete(user, rule.id, services=services) == 1
    assert not await Rule.exists(id=rule.id)


async def test_rules_per_user_are_capped(services: Services,
                                         fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    for _ in range(rules.MAX_RULES_PER_USER):
        await rules.create(user, SPEC)
    with pytest.raises(ValidationFailedError, match="20 rules"):
        await rules.create(user, SPEC)
