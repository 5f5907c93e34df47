"""GraphQL object types of the contract (ARCHITECTURE.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from models.prebookings import Prebooking as PrebookingRow
from models.prebookings import PrebookingStatus as StatusModel

PrebookingStatus = strawberry.enum(StatusModel, name="PrebookingStatus")


def parse_prebooking_id(raw: str) -> uuid.UUID | None:
    """A Relay global id of a Prebooking, or a bare UUID; None when it is neither."""
    candidate = raw
    try:
        type_name, node_id = relay.from_base64(raw)
        if type_name != "Prebooking":
            return None
        candidate = node_id
    except Exception:  # not base64: maybe a bare UUID
        pass
    try:
        return uuid.UUID(candidate)
    except ValueError:
        return None


@strawberry.type(name="Prebooking")
class Prebooking(relay.Node):
    id: relay.NodeID[str]
    status: PrebookingStatus  # type: ignore[valid-type]
    box_id: str
    class_id: str
    class_name: str | None
    class_time: str | None
    day: date
    family_id: str | None
    opens_at: datetime
    created_at: datetime
    fired_at: datetime | None
    lateness_ms: float | None
    attempts: int
    outcome: str | None
    book_state: int | None
    booking_id: str | None
    error_message: str | None
    qstash_message_id: str | None
    raw_answer: str | None = strawberry.field(
        description="The box's last answer to the booking, as it came (cut at 4000 characters)"
    )

    @classmethod
    def from_row(cls, row: PrebookingRow) -> Prebooking:
        return cls(
            id=str(row.id), status=row.status, box_id=row.box_id, class_id=row.class_id,
            class_name=row.class_name, class_time=row.class_time, day=row.day,
            family_id=row.family_id, opens_at=row.opens_at, created_at=row.created_at,
            fired_at=row.fired_at, lateness_ms=row.lateness_ms, attempts=row.attempts,
            outcome=row.outcome, book_state=row.book_state, booking_id=row.booking_id,
            error_message=row.error_message, qstash_message_id=row.qstash_message_id,
            raw_answer=row.raw_answer,
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


@strawberry.type
class Box:
    id: str
    subdomain: str
    name: str
    timezone: str


@strawberry.type
class AimharderAccount:
    email: str
    boxes: list[Box]
    status: str
    last_error: str | None = None


@strawberry.type
class User:
    id: strawberry.ID
    email: str
    is_admin: bool
    aimharder: AimharderAccount | None


@strawberry.type
class GymClass:
    id: str
    name: str
    time: str
    capacity: int | None
    booked: int | None
    opens_at: datetime | None
    book_state: int | None = None


@strawberry.type
class Notification:
    id: strawberry.ID
    kind: str
    title: str
    body: str
    prebooking_id: strawberry.ID | None
    created_at: datetime
    emailed_at: datetime | None


@strawberry.type
class AccountDeletion:
    scheduled: bool
    message_id: str | None


@strawberry.type
class ValidationError:
    field: str
    message: str


@strawberry.type
class NotConnected:
    message: str


@strawberry.type
class DuplicatePrebooking:
    message: str
    existing: Prebooking | None


@strawberry.type
class SchedulingFailed:
    message: str
    prebooking: Prebooking


@strawberry.type
class ClassNotFound:
    message: str


@strawberry.type
class NotFound:
    message: str


@strawberry.type
class AlreadyExecuted:
    message: str
    prebooking: Prebooking


@strawberry.type
class InvalidCredentials:
    message: str


@strawberry.type
class UpstreamUnavailable:
    message: str


@strawberry.type(description="AimHarder refused this server's network location (HTTP 403, "
                             "geo-blocking), not the password; the message names AIMHARDER_PROXY")
class AccessBlocked:
    message: str
