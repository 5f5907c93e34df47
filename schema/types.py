"""GraphQL object types of the contract (ARCHITECTURE.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from models.prebookings import Prebooking as PrebookingRow
from models.rules import Rule as RuleRow
from schema.enums import (
    AccountStatus,
    Language,
    NotificationKind,
    PrebookingOutcome,
    PrebookingStatus,
    optional,
    to_graphql,
)

if TYPE_CHECKING:
    from schema.rules import Rule


def parse_node_id(raw: str, type_name: str) -> uuid.UUID | None:
    """A Relay global id of a `type_name` node, or a bare UUID; None when it is neither."""
    candidate = raw
    try:
        found, node_id = relay.from_base64(raw)
        if found != type_name:
            return None
        candidate = node_id
    except Exception:  # not base64: maybe a bare UUID
        pass
    try:
        return uuid.UUID(candidate)
    except ValueError:
        return None


def parse_prebooking_id(raw: str) -> uuid.UUID | None:
    """A Relay global id of a Prebooking, or a bare UUID; None when it is neither."""
    return parse_node_id(raw, "Prebooking")


@strawberry.type(
    name="Prebooking",
    description="A class the caller asked prebook to book at the instant its booking window "
                "opens, and what happened when it fired. Made by createPrebooking or by a "
                "weekly rule.",
)
class Prebooking(relay.Node):
    id: relay.NodeID[str]
    status: PrebookingStatus = strawberry.field(
        description="Where it is in its life (see PrebookingStatus).")
    box_id: str = strawberry.field(description="The AimHarder box id it books at (Box.id).")
    class_id: str = strawberry.field(
        description="AimHarder's id of the class session on `day` (GymClass.id).")
    class_name: str | None = strawberry.field(
        description="The class's name as the box's schedule showed it when the prebooking was "
                    "made (empty when the box gave none); null when not recorded.")
    class_time: str | None = strawberry.field(
        description='The class\'s start and end, "HH:MM-HH:MM" on the box\'s wall clock '
                    "(box-local); null when not recorded.")
    day: date = strawberry.field(description="The class's date on the box's calendar (box-local).")
    family_id: str | None = strawberry.field(
        description="The AimHarder family member it books for; null for the account holder.")
    opens_at: datetime = strawberry.field(
        description="When the class's booking window opens (a UTC instant); prebook fires "
                    "then. When the window was already open at creation, the instant the "
                    "booking was sent.")
    created_at: datetime = strawberry.field(
        description="When the prebooking was made (UTC); lists are ordered by it, newest first.")
    fired_at: datetime | None = strawberry.field(
        description="When the first booking request of the opening left (UTC); null until it "
                    "fires, and when nothing was sent.")
    lateness_ms: float | None = strawberry.field(
        description="firedAt minus opensAt, in milliseconds: how long after the opening "
                    "instant the first booking request left (negative: before it); null until "
                    "it fires. Watch checks leave it as the opening set it.")
    attempts: int = strawberry.field(
        description="Booking requests sent the last time it fired (resends while the box still "
                    "answered \"too early\" included); 0 before it fires.")
    outcome: PrebookingOutcome | None = strawberry.field(
        description="What the box's answer meant (see PrebookingOutcome); null before it fires, "
                    "and when no answer could be read (errorMessage says why).")
    book_state: int | None = strawberry.field(
        description="AimHarder's raw bookState in the last answer to the booking: 1 booked, 0 "
                    "waitlisted, negative a refusal (see outcome); null until the box answers, "
                    "or when its answer carried none.")
    booking_id: str | None = strawberry.field(
        description="AimHarder's reservation id from the booking answer (what cancelBooking "
                    "cancels); null unless the box answered with one.")
    error_message: str | None = strawberry.field(
        description="Why the last try got no place: the box's own message as plain text, or "
                    "prebook's reason (no answer, scheduling failed, ...); null when it got one "
                    "or has not fired.")
    qstash_message_id: str | None = strawberry.field(
        description="The QStash message that fires it at the opening (with QSTASH_ENABLED="
                    "false, the app's embedded scheduler's); null when none was published (the "
                    "window was already open, or publishing failed).")
    raw_answer: str | None = strawberry.field(
        description="The box's last answer to the booking, as it came (cut at 4000 "
                    "characters); null until the box answers."
    )
    waitlist: bool = strawberry.field(
        description="Ask for the waiting list (AimHarder's insist=1) when the class is full.")
    watch_if_full: bool = strawberry.field(
        description="When the class is full at the opening, move to WATCHING and check it every "
                    "PREBOOK_WATCH_INTERVAL_S seconds (default 60) until a place frees or the "
                    "class starts.")
    rule_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(description="The weekly rule that placed it; null when it was made with "
                                  "createPrebooking, or its rule was deleted.")
    async def rule(self) -> Annotated[Rule, strawberry.lazy("schema.rules")] | None:
        if self.rule_id is None:
            return None
        from schema.rules import Rule

        row = await RuleRow.get_or_none(id=self.rule_id)
        return Rule.from_row(row) if row else None

    @classmethod
    def from_row(cls, row: PrebookingRow) -> Prebooking:
        return cls(
            id=str(row.id), status=to_graphql(PrebookingStatus, row.status), box_id=row.box_id,
            class_id=row.class_id, class_name=row.class_name, class_time=row.class_time,
            day=row.day, family_id=row.family_id, opens_at=row.opens_at,
            created_at=row.created_at, fired_at=row.fired_at, lateness_ms=row.lateness_ms,
            attempts=row.attempts, outcome=optional(PrebookingOutcome, row.outcome),
            book_state=row.book_state, booking_id=row.booking_id,
            error_message=row.error_message, qstash_message_id=row.qstash_message_id,
            raw_answer=row.raw_answer, waitlist=row.waitlist, watch_if_full=row.watch_if_full,
            rule_id=row.rule_id,  # type: ignore[attr-defined]
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Any, Any], node_ids: Iterable[str], required: bool = False
    ) -> list[Prebooking | None]:
        ids = list(node_ids)
        ctx = info.context
        if ctx.principal is None:
            return [None for _ in ids]
        user = await ctx.user()
        wanted = {i: _uuid(i) for i in ids}
        rows = await PrebookingRow.filter(
            id__in=[u for u in wanted.values() if u is not None], user=user
        )
        by_id = {str(r.id): cls.from_row(r) for r in rows}
        return [by_id.get(str(wanted[i])) if wanted[i] else None for i in ids]


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


@strawberry.type(description="A box (gym) the connected AimHarder account can book at.")
class Box:
    id: str = strawberry.field(
        description='AimHarder\'s box id (e.g. "10001"): what boxId arguments take.')
    subdomain: str = strawberry.field(
        description='The box\'s AimHarder subdomain ("demo" for demo.aimharder.com).')
    name: str = strawberry.field(description="The box's name, as AimHarder gives it.")
    timezone: str = strawberry.field(
        description="The IANA time zone of the box's wall clock, in which openings are "
                    "computed (AimHarder gives none: Europe/Madrid unless set with updateBox).")


@strawberry.type(description="The AimHarder account connected to the caller "
                             "(connectAimharder); prebook logs in with it to book.")
class AimharderAccount:
    email: str = strawberry.field(description="The AimHarder login email.")
    boxes: list[Box] = strawberry.field(
        description="The boxes the account can book at, as AimHarder listed them at the last "
                    "connectAimharder.")
    status: AccountStatus = strawberry.field(
        description="Whether prebook can still log in (see AccountStatus).")
    last_error: str | None = strawberry.field(
        default=None, description="Why AimHarder refused the stored password (status "
                                  "LOGIN_FAILED); null while the account is ACTIVE.")


@strawberry.type(description="The caller, known by the subject (`sub`) of their token.")
class User:
    id: strawberry.ID = strawberry.field(description="prebook's id of the user.")
    email: str = strawberry.field(description="The email in the caller's token.")
    is_admin: bool = strawberry.field(
        description="Whether the caller's token carries role admin.")
    aimharder: AimharderAccount | None = strawberry.field(
        description="The connected AimHarder account; null until connectAimharder succeeds.")
    language: Language = strawberry.field(
        description="The language of notifications and emails: the caller's choice "
                    "(updateMe), else the language of the box's messages, else ES.")


@strawberry.type(description="A class session on a box's schedule for one day, as AimHarder "
                             "lists it for the caller.")
class GymClass:
    id: str = strawberry.field(
        description="AimHarder's id of the class session: the classId createPrebooking takes.")
    name: str = strawberry.field(
        description="The class's name (AimHarder's className); empty when the box gives none.")
    time: str = strawberry.field(
        description='Start and end, "HH:MM-HH:MM" on the box\'s wall clock (box-local).')
    capacity: int | None = strawberry.field(
        description="Places in the class (AimHarder's limitc); null when the box does not say.")
    booked: int | None = strawberry.field(
        description="Places taken (AimHarder's ocupation); null when the box does not say.")
    opens_at: datetime | None = strawberry.field(
        description="When booking opens (a UTC instant), from the box's booking window in the "
                    "box's time zone; null until prebook knows the window (a prebooking at the "
                    "box learns it from the box's \"too early\" answer).")
    book_state: int | None = strawberry.field(
        default=None, description="The member's own state in this class (AimHarder's "
                                  "bookState): 1 booked, 0 waitlisted; null when neither.")
    waitlist: int | None = strawberry.field(
        default=None, description="People on the waiting list (AimHarder's waitlist); null "
                                  "when the box does not say.")


@strawberry.type(description="A message to the caller about a prebooking, a weekly rule or "
                             "the AimHarder account; also emailed when the server has mail "
                             "configured.")
class Notification:
    id: strawberry.ID = strawberry.field(description="The notification's id.")
    kind: NotificationKind = strawberry.field(
        description="What it is about (see NotificationKind).")
    title: str = strawberry.field(description="A short heading, in the caller's language.")
    body: str = strawberry.field(description="The message, in the caller's language.")
    prebooking_id: strawberry.ID | None = strawberry.field(
        description="The prebooking it is about, as a bare UUID (prebooking(id:) takes it); "
                    "null when it is about none.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    emailed_at: datetime | None = strawberry.field(
        description="When it was emailed (UTC); null when it was not (no mail configured, or "
                    "sending failed).")


@strawberry.type(description="The answer to deleteAccount: the deletion runs as a job.")
class AccountDeletion:
    scheduled: bool = strawberry.field(
        description="True: the job is queued; it cancels the caller's pending prebookings, "
                    "then removes every row of theirs.")
    message_id: str | None = strawberry.field(
        description="The id of the QStash message that runs the job; null if QStash gave none.")


@strawberry.type(description="An input value was refused.")
class ValidationError:
    field: str = strawberry.field(
        description='The refused input field, as the schema names it (e.g. "classId", '
                    '"opensAt").')
    message: str = strawberry.field(description="Why it was refused.")


@strawberry.type(description="The caller has no AimHarder account connected: call "
                             "connectAimharder first.")
class NotConnected:
    message: str = strawberry.field(description="What is missing.")


@strawberry.type(description="The caller already has a live prebooking of this class on this "
                             "day (for the same family member).")
class DuplicatePrebooking:
    message: str = strawberry.field(description="What was refused.")
    existing: Prebooking | None = strawberry.field(
        description="The prebooking already there; null if it could not be read.")


@strawberry.type(description="The prebooking was stored but its QStash message could not be "
                             "published, so it is FAILED; create it again.")
class SchedulingFailed:
    message: str = strawberry.field(description="What QStash answered.")
    prebooking: Prebooking = strawberry.field(
        description="The stored prebooking, now FAILED (errorMessage says why).")


@strawberry.type(description="The box's schedule for that day has no class with that classId.")
class ClassNotFound:
    message: str = strawberry.field(description="Which class and day were looked for.")


@strawberry.type(description="No such item of the caller's (a prebooking, rule or box), or "
                             "one the operation cannot act on.")
class NotFound:
    message: str = strawberry.field(description="What was not found, or why it does not apply.")


@strawberry.type(description="The prebooking has fired or ended, so cancelPrebooking cannot "
                             "cancel it (cancelBooking cancels a place it got).")
class AlreadyExecuted:
    message: str = strawberry.field(description="The status it is in already.")
    prebooking: Prebooking = strawberry.field(description="The prebooking as it is now.")


@strawberry.type(description="AimHarder refused the email and password (or they were not a "
                             "plausible email and password).")
class InvalidCredentials:
    message: str = strawberry.field(description="What AimHarder answered, or what is wrong.")


@strawberry.type(description="AimHarder could not be reached, or answered with an error "
                             "(5xx, 429, a timeout); try again shortly.")
class UpstreamUnavailable:
    message: str = strawberry.field(description="What failed.")


@strawberry.type(description="AimHarder refused this server's network location (HTTP 403, "
                             "geo-blocking), not the password; the message names AIMHARDER_PROXY")
class AccessBlocked:
    message: str = strawberry.field(
        description="What was refused, and how to route AimHarder requests through "
                    "AIMHARDER_PROXY.")


@strawberry.type(description="The box would cancel only with the credit lost: call cancelBooking "
                             "again with late: true to confirm.")
class LateCancellation:
    message: str = strawberry.field(description="Why the cancellation is late.")


@strawberry.type(description="The box refused the cancellation.")
class BoxRefused:
    message: str = strawberry.field(description="Why.")
    cancel_state: int | None = strawberry.field(
        description="AimHarder's cancelState (3: refused); null when the box gave none, e.g. "
                    "its schedule shows no booking of the caller's for the class.")
