"""Placing the coming occurrences of weekly rules as prebookings (`rules.materialise`).

Each run covers every occurrence whose class starts within `Policy.rule_horizon_days`, in the
box's time zone (a weekday and a wall-clock time there, DST included). For each day a rule
wants and has no prebooking for yet:

- the day's class list is read once per box, day and family for the whole run (any member's
  session sees the same schedule), not once per rule;
- an empty list means the box has not published that day yet: the next run looks again;
- no class at the rule's time whose name contains the rule's text: one RULE notification,
  and the day is not looked at again (the notification's key remembers it);
- a match is placed through `prebookings.place`, linked to the rule. The database keeps one
  prebooking per rule and day, so repeated and concurrent runs never place two.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking import accounts, prebookings
from booking.aimharder import AimharderError, AimharderSession, ClassInfo
from booking.notifications import notify
from booking.opening import localize
from booking.rules import wants
from booking.services import Services
from booking.texts import render
from models.notifications import Notification
from models.prebookings import Prebooking
from models.rules import Rule
from models.users import AimharderBox

log = logging.getLogger(__name__)
BATCH = 500  # rules per run


@dataclass
class MaterialiseReport:
    rules: int = 0
    placed: list[str] = field(default_factory=list)  # prebooking ids
    no_class: list[str] = field(default_factory=list)  # "<rule id> <day>", notified once
    unpublished: int = 0  # occurrences whose day the box has not published yet
    failed: list[str] = field(default_factory=list)  # "<rule id>: <why>", tried next run
    class_lists: int = 0  # AimHarder class-list requests made

    def as_json(self) -> dict[str, Any]:
        return {"rules": self.rules, "placed": self.placed, "noClass": self.no_class,
                "unpublished": self.unpublished, "failed": self.failed,
                "classLists": self.class_lists}


ListKey = tuple[str, date, str | None]


class ClassLists:
    """One AimHarder class-list request per box, day and family in a run."""

    def __init__(self, report: MaterialiseReport) -> None:
        self._lists: dict[ListKey, list[ClassInfo]] = {}
        self._report = report

    async def get(self, key: ListKey, load: Callable[[], Awaitable[list[ClassInfo]]]
                  ) -> list[ClassInfo]:
        if key not in self._lists:
            self._lists[key] = await load()
            self._report.class_lists += 1
        return self._lists[key]


def occurrence_days(rule: Rule, tz: str, now: datetime, horizon_days: int) -> list[date]:
    """Days whose class (at the rule's box-local time) starts after `now` and within the
    horizon, and that the rule wants."""
    today = now.astimezone(ZoneInfo(tz)).date()
    hour, minute = (int(part) for part in rule.time.split(":"))
    end = now + timedelta(days=horizon_days)
    days = []
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        start = localize(datetime(day.year, day.month, day.day, hour, minute), tz)
        if now < start <= end and wants(rule, day):
            days.append(day)
    return days


def matching(rule: Rule, classes: list[ClassInfo]) -> ClassInfo | None:
    """The first class at the rule's start time whose name contains the rule's text."""
    wanted = rule.class_name.casefold()
    return next((c for c in classes
                 if f"{c.start:%H:%M}" == rule.time and wanted in c.name.casefold()), None)


def _no_class_key(rule: Rule, day: date) -> str:
    return f"rule-{rule.id}-{day.isoformat()}-no-class"


async def run(services: Services, *, now: datetime | None = None,
              rule_ids: list[uuid.UUID] | None = None) -> MaterialiseReport:
    """Materialise every active rule (or those of `rule_ids`)."""
    moment = now or datetime.now(UTC)
    report = MaterialiseReport()
    lists = ClassLists(report)
    query = Rule.filter(paused=False)
    if rule_ids is not None:
        query = query.filter(id__in=rule_ids)
    for rule in await query.order_by("created_at").limit(BATCH).prefetch_related("user"):
        report.rules += 1
        try:
            await _materialise(rule, services, moment, lists, report)
        except accounts.NotConnectedError as exc:
            report.failed.append(f"{rule.id}: {exc}")
        except AimharderError as exc:  # unreachable, blocked, an answer it cannot read
            report.failed.append(f"{rule.id}: {exc}")
            log.warning("rule %s not materialised (next run tries again): %s", rule.id, exc)
    if report.placed or report.no_class or report.failed:
        log.info("rules materialised: %s", report.as_json())
    return report


async def _materialise(rule: Rule, services: Services, now: datetime, lists: ClassLists,
                       report: MaterialiseReport) -> None:
    account = await accounts.account_for(rule.user)
    box = next((b for b in account.boxes if b.box_id == rule.box_id), None)
    if box is None:
        report.failed.append(f"{rule.id}: box {rule.box_id} is no longer on the account")
        return
    days = occurrence_days(rule, box.timezone, now, services.policy.rule_horizon_days)
    placed = set(await Prebooking.filter(rule_id=rule.id, day__in=days
                                         ).values_list("day", flat=True))
    noted: set[str] = set(await Notification.filter(  # type: ignore[arg-type]
        dedup_key__in=[_no_class_key(rule, d) for d in days]).values_list("dedup_key",
                                                                           flat=True))
    todo = [d for d in days if d not in placed and _no_class_key(rule, d) not in noted]
    if not todo:
        return
    session = await accounts.fresh_session(account, aimharder=services.aimharder,
                                           vault=services.vault)
    for day in todo:
        await _occurrence(rule, box, session, day, services, lists, report)


async def _occurrence(rule: Rule, box: AimharderBox, session: AimharderSession, day: date,
                      services: Services, lists: ClassLists, report: MaterialiseReport) -> None:
    classes = await lists.get(
        (box.box_id, day, rule.family_id),
        lambda: services.aimharder.list_classes(session, subdomain=box.subdomain,
                                                box_id=box.box_id, day=day,
                                                family_id=rule.family_id))
    if not classes:
        report.unpublished += 1
        return
    found = matching(rule, classes)
    language = rule.user.effective_language
    if found is None:
        title, body = render(language, "rule.no_class", day=day.isoformat(), time=rule.time,
                             class_name=rule.class_name)
        await notify(rule.user, kind="RULE", title=title, body=body,
                     dedup_key=_no_class_key(rule, day), mailer=services.mailer)
        report.no_class.append(f"{rule.id} {day.isoformat()}")
        return
    new = prebookings.NewPrebooking(
        box_id=box.box_id, class_id=found.id, day=day, family_id=rule.family_id,
        waitlist=rule.waitlist, watch_if_full=rule.watch_if_full)
    try:
        row = await prebookings.place(rule.user, new, box, found, session, services=services,
                                      rule_id=rule.id)
    except prebookings.DuplicateError:
        return  # another run placed it, or the user prebooked that class by hand
    except prebookings.PendingCapReachedError as exc:
        title, body = render(language, "rule.cap", limit=prebookings.MAX_PENDING_PER_USER)
        await notify(rule.user, kind="RULE", title=title, body=body,
                     dedup_key=f"rule-{rule.id}-{day.isoformat()}-cap", mailer=services.mailer)
        report.failed.append(f"{rule.id} {day.isoformat()}: {exc.message}")
        return
    except (prebookings.ValidationFailedError, prebookings.ClassNotFoundError) as exc:
        report.failed.append(f"{rule.id} {day.isoformat()}: {exc}")
        return
    except prebookings.SchedulingFailedError as exc:
        report.failed.append(f"{rule.id} {day.isoformat()}: {exc.message}")
        return
    report.placed.append(str(row.id))
