"""Weekly rules: validate, create, change, pause, resume, skip a day, delete.

A rule names a slot ("18:00 on Mondays and Wednesdays, a class whose name contains WOD") at
one box; `booking.materialise` places its coming occurrences as prebookings. Changing,
pausing or deleting a rule cancels the prebookings it placed that have not fired yet; those
cancelled by a change or a pause are unlinked from the rule so the day can be placed again.
A skipped day's prebooking is cancelled and stays linked (the day is not placed again).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from booking import accounts, lifecycle
from booking.prebookings import MAX_ID_LENGTH, ValidationFailedError, box_of
from booking.services import Services
from models.prebookings import Prebooking, PrebookingStatus
from models.rules import Rule
from models.users import User

MAX_RULES_PER_USER = 20  # each rule places up to 7 prebookings a week
MAX_CLASS_NAME = 100
MAX_SKIP_DATES = 100
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Not fired yet: cancelling these loses nothing at the box.
UNFIRED = (PrebookingStatus.PENDING, PrebookingStatus.WATCHING)


class RuleNotFoundError(Exception):
    pass


@dataclass(frozen=True)
class RuleSpec:
    box_id: str
    weekdays: tuple[int, ...]  # ISO: 1 Monday .. 7 Sunday
    time: str  # "HH:MM", box-local
    class_name: str
    family_id: str | None = None
    waitlist: bool = False
    watch_if_full: bool = False
    skip_dates: tuple[date, ...] = ()
    starts_on: date | None = None
    ends_on: date | None = None

    def validated(self, today: date | None = None) -> RuleSpec:
        today = today or datetime.now(UTC).date()
        box_id = self.box_id.strip()
        if not box_id or len(box_id) > MAX_ID_LENGTH or not box_id.isalnum():
            raise ValidationFailedError(
                "boxId", "must be a short AimHarder id (letters and digits)")
        if not self.weekdays:
            raise ValidationFailedError("weekdays", "must name at least one day")
        if any(d < 1 or d > 7 for d in self.weekdays):
            raise ValidationFailedError("weekdays", "must be days of the week")
        if not _TIME.match(self.time.strip()):
            raise ValidationFailedError("time", 'must be the class start as "HH:MM" (24 h)')
        name = " ".join(self.class_name.split())
        if not name:
            raise ValidationFailedError("className", "must not be empty")
        if len(name) > MAX_CLASS_NAME:
            raise ValidationFailedError("className", f"must be at most {MAX_CLASS_NAME} characters")
        if self.family_id is not None and (
            not self.family_id or len(self.family_id) > MAX_ID_LENGTH
            or not self.family_id.isalnum()
        ):
            raise ValidationFailedError(
                "familyId", "must be a short AimHarder id (letters and digits)")
        if len(self.skip_dates) > MAX_SKIP_DATES:
            raise ValidationFailedError("skipDates", f"at most {MAX_SKIP_DATES} dates")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationFailedError("endsOn", "is before startsOn")
        if self.ends_on and self.ends_on < today - timedelta(days=1):
            raise ValidationFailedError("endsOn", "is in the past")
        return replace(
            self, box_id=box_id, weekdays=tuple(sorted(set(self.weekdays))),
            time=self.time.strip(), class_name=name,
            skip_dates=tuple(sorted(set(self.skip_dates))),
        )

    @classmethod
    def of(cls, rule: Rule) -> RuleSpec:
        return cls(
            box_id=rule.box_id, weekdays=weekdays_of(rule), time=rule.time,
            class_name=rule.class_name, family_id=rule.family_id, waitlist=rule.waitlist,
            watch_if_full=rule.watch_if_full,
            skip_dates=tuple(date.fromisoformat(d) for d in rule.skip_dates),
            starts_on=rule.starts_on, ends_on=rule.ends_on,
        )

    def columns(self) -> dict[str, Any]:
        return dict(
            box_id=self.box_id, weekdays=",".join(str(d) for d in self.weekdays),
            time=self.time, class_name=self.class_name, family_id=self.family_id,
            waitlist=self.waitlist, watch_if_full=self.watch_if_full,
            skip_dates=[d.isoformat() for d in self.skip_dates],
            starts_on=self.starts_on, ends_on=self.ends_on,
        )


def weekdays_of(rule: Rule) -> tuple[int, ...]:
    return tuple(int(d) for d in rule.weekdays.split(",") if d)


def skipped(rule: Rule) -> set[date]:
    return {date.fromisoformat(d) for d in rule.skip_dates}


def wants(rule: Rule, day: date) -> bool:
    """Whether the rule asks for a class on `day` (weekday, dates, skips; not pausing)."""
    return (day.isoweekday() in weekdays_of(rule) and day not in skipped(rule)
            and (rule.starts_on is None or day >= rule.starts_on)
            and (rule.ends_on is None or day <= rule.ends_on))


async def _checked_box(user: User, spec: RuleSpec) -> None:
    account = await accounts.account_for(user)  # NotConnected when there is none
    await box_of(account, spec.box_id)


async def create(user: User, spec: RuleSpec) -> Rule:
    spec = spec.validated()
    await _checked_box(user, spec)
    if await Rule.filter(user=user).count() >= MAX_RULES_PER_USER:
        raise ValidationFailedError("weekdays", f"you already have {MAX_RULES_PER_USER} rules (the "
                                           "limit); delete one first")
    return await Rule.create(user=user, **spec.columns())


async def owned(user: User, rule_id: uuid.UUID) -> Rule:
    rule = await Rule.get_or_none(id=rule_id, user=user)
    if rule is None:
        raise RuleNotFoundError("no such rule")
    return rule


async def update(user: User, rule_id: uuid.UUID, changes: dict[str, object], *,
                 services: Services) -> Rule:
    """Apply `changes` (RuleSpec field names; absent means unchanged). Prebookings placed
    for the old slot that have not fired are cancelled and unlinked, to be placed anew."""
    rule = await owned(user, rule_id)
    spec = replace(RuleSpec.of(rule), **changes).validated()  # type: ignore[arg-type]
    if spec.box_id != rule.box_id:
        await _checked_box(user, spec)
    slot_changed = (spec.box_id, spec.time, spec.class_name.lower(), spec.family_id) != (
        rule.box_id, rule.time, rule.class_name.lower(), rule.family_id)
    await Rule.filter(id=rule.id).update(**spec.columns(), updated_at=datetime.now(UTC))
    rule = await owned(user, rule_id)
    for row in await Prebooking.filter(rule_id=rule.id, status__in=UNFIRED):
        if slot_changed or not wants(rule, row.day):
            await _cancel(row, services=services, unlink=True)
    return rule


async def set_paused(user: User, rule_id: uuid.UUID, paused: bool, *,
                     services: Services) -> Rule:
    """Pausing cancels (and unlinks) what the rule placed and has not fired yet."""
    rule = await owned(user, rule_id)
    await Rule.filter(id=rule.id).update(paused=paused, updated_at=datetime.now(UTC))
    if paused:
        for row in await Prebooking.filter(rule_id=rule.id, status=PrebookingStatus.PENDING):
            await _cancel(row, services=services, unlink=True)
    return await owned(user, rule_id)


async def skip_date(user: User, rule_id: uuid.UUID, day: date, *, services: Services) -> Rule:
    rule = await owned(user, rule_id)
    days = skipped(rule) | {day}
    if len(days) > MAX_SKIP_DATES:
        raise ValidationFailedError("day", f"a rule keeps at most {MAX_SKIP_DATES} skipped dates")
    await Rule.filter(id=rule.id).update(skip_dates=sorted(d.isoformat() for d in days),
                                         updated_at=datetime.now(UTC))
    for row in await Prebooking.filter(rule_id=rule.id, day=day, status__in=UNFIRED):
        await _cancel(row, services=services, unlink=False)
    return await owned(user, rule_id)


async def delete(user: User, rule_id: uuid.UUID, *, services: Services) -> int:
    """Delete the rule; its prebookings that have not fired are cancelled (their count)."""
    rule = await owned(user, rule_id)
    cancelled = 0
    for row in await Prebooking.filter(rule_id=rule.id, status__in=UNFIRED):
        cancelled += await _cancel(row, services=services, unlink=False)
    await rule.delete()
    return cancelled


async def _cancel(row: Prebooking, *, services: Services, unlink: bool) -> bool:
    moved = await lifecycle.move(row.id, source=UNFIRED, target=PrebookingStatus.CANCELLED,
                                 services=services,
                                 facts={"rule_id": None} if unlink else None)
    if moved is not None and moved.qstash_message_id:
        await services.jobs.cancel(moved.qstash_message_id)
    return moved is not None
