"""Weekly rules in GraphQL: the Rule type, its inputs and results, its queries and mutations."""

from __future__ import annotations

import uuid
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.types import Info

from booking import accounts, materialise, rules
from booking.prebookings import ValidationFailedError
from models.prebookings import Prebooking as PrebookingRow
from models.rules import Rule as RuleRow
from schema.context import Context, IsAuthenticated
from schema.enums import Weekday
from schema.queries import page_of
from schema.types import NotConnected, NotFound, Prebooking, ValidationError, parse_node_id


@strawberry.type(description="A weekly rule: book a class at one box every chosen weekday at a "
                             "set time. prebook places each coming occurrence as a prebooking "
                             "(linked to the rule) as soon as the class is on the box's "
                             "schedule, and fires it when its booking window opens.")
class Rule(relay.Node):
    id: relay.NodeID[str]
    box_id: str = strawberry.field(description="The AimHarder box id the rule books at.")
    weekdays: list[Weekday] = strawberry.field(
        description="The days of the week it books, in the box's time zone.")
    time: str = strawberry.field(
        description='The class start, "HH:MM" on the box\'s wall clock (its time zone).')
    class_name: str = strawberry.field(
        description="A case-insensitive piece of the class's name: among the classes starting "
                    "at `time`, the first whose name contains it is booked.")
    family_id: str | None = strawberry.field(
        description="The AimHarder family member to book for; null for the account holder.")
    waitlist: bool = strawberry.field(
        description="Join the waiting list when the class is full.")
    watch_if_full: bool = strawberry.field(
        description="When the class is full at the opening, keep watching it and book the "
                    "first place that frees (status WATCHING).")
    skip_dates: list[date] = strawberry.field(
        description="Days (box-local dates) the rule does not book.")
    starts_on: date | None = strawberry.field(
        description="The first day the rule books; null: from now.")
    ends_on: date | None = strawberry.field(
        description="The last day the rule books; null: no end.")
    paused: bool = strawberry.field(
        description="A paused rule places nothing (pausing cancelled what it had placed).")
    created_at: datetime = strawberry.field(description="When the rule was made (UTC).")

    @strawberry.field(description="The prebookings the rule placed, newest first.")
    async def prebookings(
        self,
        info: Info[Context, Any],
        first: Annotated[int | None, strawberry.argument(
            description="How many to return (0 to 100).")] = 20,
        after: Annotated[str | None, strawberry.argument(
            description="The `endCursor` of the previous page.")] = None,
    ) -> relay.Connection[Prebooking]:
        user = await info.context.user()
        query = PrebookingRow.filter(rule_id=uuid.UUID(self.id), user=user)
        return await page_of(query, first, after, Prebooking.from_row)

    @classmethod
    def from_row(cls, row: RuleRow) -> Rule:
        return cls(
            id=str(row.id), box_id=row.box_id,
            weekdays=[Weekday(d) for d in rules.weekdays_of(row)], time=row.time,
            class_name=row.class_name, family_id=row.family_id, waitlist=row.waitlist,
            watch_if_full=row.watch_if_full, skip_dates=sorted(rules.skipped(row)),
            starts_on=row.starts_on, ends_on=row.ends_on, paused=row.paused,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Any, Any], node_ids: list[str], required: bool = False
    ) -> list[Rule | None]:
        if info.context.principal is None:
            return [None for _ in node_ids]
        user = await info.context.user()
        wanted = {i: parse_rule_id(i) for i in node_ids}
        found = await RuleRow.filter(
            id__in=[u for u in wanted.values() if u is not None], user=user)
        by_id = {row.id: cls.from_row(row) for row in found}
        return [by_id.get(wanted[i]) if wanted[i] else None for i in node_ids]  # type: ignore[arg-type]


def weekday_numbers(days: list[Weekday]) -> tuple[int, ...]:
    """ISO weekday numbers (1 Monday .. 7 Sunday) of GraphQL weekdays."""
    return tuple(int(cast(int, day.value)) for day in days)


def parse_rule_id(raw: str) -> uuid.UUID | None:
    """A Relay global id of a Rule, or a bare UUID; None when it is neither."""
    return parse_node_id(raw, "Rule")


@strawberry.type(description="A deleted rule, and how many of its prebookings that had not "
                             "fired were cancelled with it.")
class RuleDeletion:
    id: strawberry.ID = strawberry.field(description="The deleted rule's id.")
    cancelled_prebookings: int = strawberry.field(
        description="Its PENDING or WATCHING prebookings, now CANCELLED.")


@strawberry.input(description="A new weekly rule.")
class CreateRuleInput:
    box_id: str = strawberry.field(description="One of your AimHarder account's boxes.")
    weekdays: list[Weekday] = strawberry.field(description="At least one day of the week.")
    time: str = strawberry.field(description='The class start, "HH:MM", box-local.')
    class_name: str = strawberry.field(
        description="A case-insensitive piece of the class's name (at most 100 characters).")
    family_id: str | None = strawberry.field(
        default=None, description="The family member to book for; null: the account holder.")
    waitlist: bool = strawberry.field(default=False,
                                      description="Join the waiting list when full.")
    watch_if_full: bool = strawberry.field(
        default=False, description="Full at the opening: keep watching for a freed place.")
    skip_dates: list[date] = strawberry.field(
        default_factory=list, description="Days not to book (at most 100).")
    starts_on: date | None = strawberry.field(default=None,
                                              description="The first day; null: from now.")
    ends_on: date | None = strawberry.field(default=None,
                                            description="The last day; null: no end.")


@strawberry.input(description="Changes to a rule: a field left out (or null) stays as it is. "
                              "Prebookings the rule placed that no longer fit, and have not "
                              "fired, are cancelled; the new slot is placed at once.")
class UpdateRuleInput:
    id: strawberry.ID = strawberry.field(description="The rule to change.")
    weekdays: list[Weekday] | None = strawberry.field(default=None, description="New days.")
    time: str | None = strawberry.field(default=None, description='New start, "HH:MM".')
    class_name: str | None = strawberry.field(default=None, description="New name match.")
    family_id: str | None = strawberry.field(default=None,
                                             description="New family member to book for.")
    waitlist: bool | None = strawberry.field(default=None,
                                             description="Join the waiting list when full.")
    watch_if_full: bool | None = strawberry.field(default=None,
                                                  description="Keep watching a full class.")
    skip_dates: list[date] | None = strawberry.field(
        default=None, description="The whole new list of days not to book.")
    starts_on: date | None = strawberry.field(default=None, description="New first day.")
    ends_on: date | None = strawberry.field(default=None, description="New last day.")


RuleResult = Annotated[Rule | ValidationError | NotConnected | NotFound,
                       strawberry.union("RuleResult", description="The rule as it is now, or "
                                        "why the change was refused.")]
DeleteRuleResult = Annotated[RuleDeletion | NotFound, strawberry.union(
    "DeleteRuleResult", description="The deletion, or NotFound when there is no such rule.")]

_SPEC_FIELDS = {f.name for f in dataclass_fields(rules.RuleSpec)}


async def _materialised(row: RuleRow, info: Info[Context, Any]) -> Rule:
    """The rule, after placing its coming occurrences (failures wait for the cron job)."""
    if not row.paused:
        await materialise.run(info.context.services, rule_ids=[row.id])
    return Rule.from_row(await RuleRow.get(id=row.id))


async def _run(info: Info[Context, Any], raw_id: str, action: Any) -> RuleResult:
    """`action(user, rule_id)` on one of the caller's rules, answered as a RuleResult."""
    rule_id = parse_rule_id(raw_id)
    if rule_id is None:
        return NotFound(message="no such rule")
    return await _answer(info, lambda user: action(user, rule_id))


async def _answer(info: Info[Context, Any], action: Any) -> RuleResult:
    """`action(user)`'s rule, placed at once; its refusals as the union's members."""
    try:
        row = await action(await info.context.user())
    except rules.RuleNotFoundError as exc:
        return NotFound(message=str(exc))
    except ValidationFailedError as exc:
        return ValidationError(field=exc.field, message=exc.message)
    except accounts.NotConnectedError as exc:
        return NotConnected(message=str(exc))
    return await _materialised(row, info)


@strawberry.type
class RuleQuery:
    @strawberry.field(permission_classes=[IsAuthenticated],
                      description="Your weekly rules, newest first.")
    async def rules(
        self,
        info: Info[Context, Any],
        first: Annotated[int | None, strawberry.argument(
            description="How many to return (0 to 100).")] = 20,
        after: Annotated[str | None, strawberry.argument(
            description="The `endCursor` of the previous page.")] = None,
    ) -> relay.Connection[Rule]:
        query = RuleRow.filter(user=await info.context.user())
        return await page_of(query, first, after, Rule.from_row)

    @strawberry.field(permission_classes=[IsAuthenticated],
                      description="One of your rules; null when there is no such rule of yours.")
    async def rule(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(description="The rule's id.")],
    ) -> Rule | None:
        rule_id = parse_rule_id(id)
        if rule_id is None:
            return None
        row = await RuleRow.get_or_none(id=rule_id, user=await info.context.user())
        return Rule.from_row(row) if row else None


@strawberry.type
class RuleMutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Make a weekly rule and place its coming occurrences.")
    async def create_rule(
        self, info: Info[Context, Any],
        input: Annotated[CreateRuleInput, strawberry.argument(description="The new rule.")],
    ) -> RuleResult:
        spec = rules.RuleSpec(
            box_id=input.box_id, weekdays=weekday_numbers(input.weekdays),
            time=input.time, class_name=input.class_name, family_id=input.family_id,
            waitlist=input.waitlist, watch_if_full=input.watch_if_full,
            skip_dates=tuple(input.skip_dates), starts_on=input.starts_on,
            ends_on=input.ends_on)
        return await _answer(info, lambda user: rules.create(user, spec))

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Change a rule; what no longer fits is cancelled and the "
                                     "new slot placed.")
    async def update_rule(
        self, info: Info[Context, Any],
        input: Annotated[UpdateRuleInput, strawberry.argument(
            description="The rule and the changes.")],
    ) -> RuleResult:
        changes: dict[str, object] = {}
        for name in _SPEC_FIELDS - {"box_id"}:
            value = getattr(input, name)
            if value is None:
                continue
            if name == "weekdays":
                value = weekday_numbers(value)
            elif name == "skip_dates":
                value = tuple(value)
            changes[name] = value
        services = info.context.services
        return await _run(info, input.id, lambda user, rule_id: rules.update(
            user, rule_id, changes, services=services))

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Stop a rule placing prebookings; what it placed and has "
                                     "not fired is cancelled.")
    async def pause_rule(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(description="The rule's id.")],
    ) -> RuleResult:
        services = info.context.services
        return await _run(info, id, lambda user, rule_id: rules.set_paused(
            user, rule_id, True, services=services))

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Start a paused rule again and place its occurrences.")
    async def resume_rule(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(description="The rule's id.")],
    ) -> RuleResult:
        services = info.context.services
        return await _run(info, id, lambda user, rule_id: rules.set_paused(
            user, rule_id, False, services=services))

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Leave one day out of a rule; that day's prebooking, if "
                                     "placed and not fired, is cancelled.")
    async def skip_date(
        self, info: Info[Context, Any],
        rule_id: Annotated[strawberry.ID, strawberry.argument(description="The rule's id.")],
        day: Annotated[date, strawberry.argument(description="The box-local date to skip.")],
    ) -> RuleResult:
        services = info.context.services
        return await _run(info, rule_id, lambda user, parsed: rules.skip_date(
            user, parsed, day, services=services))

    @strawberry.mutation(permission_classes=[IsAuthenticated],
                         description="Delete a rule; its prebookings that have not fired are "
                                     "cancelled.")
    async def delete_rule(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(description="The rule's id.")],
    ) -> DeleteRuleResult:
        rule_id = parse_rule_id(id)
        if rule_id is None:
            return NotFound(message="no such rule")
        try:
            count = await rules.delete(await info.context.user(), rule_id,
                                       services=info.context.services)
        except rules.RuleNotFoundError as exc:
            return NotFound(message=str(exc))
        return RuleDeletion(id=strawberry.ID(str(rule_id)), cancelled_prebookings=count)

