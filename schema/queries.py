"""Queries: me, prebooking, prebookings (Relay connection, newest first), classes."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from tortoise.expressions import Q

from booking import accounts, prebookings
from booking.aimharder import AccessBlocked as Blocked
from booking.aimharder import UpstreamUnavailable as Upstream
from booking.limits import CLASSES_PER_USER
from models.notifications import Notification as NotificationRow
from models.prebookings import Prebooking as PrebookingRow
from models.users import AimharderAccount as AccountRow
from schema.context import Context, IsAuthenticated, PublicError, rate_limit
from schema.types import (
    AimharderAccount,
    Box,
    GymClass,
    Notification,
    Prebooking,
    PrebookingStatus,
    User,
    parse_prebooking_id,
)

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


def account_type(account: AccountRow, boxes: list[Any]) -> AimharderAccount:
    return AimharderAccount(
        email=account.email,
        boxes=[Box(id=b.box_id, subdomain=b.subdomain, name=b.name, timezone=b.timezone)
               for b in boxes],
        status=account.status.value,
        last_error=account.last_error,
    )


def _cursor(row: PrebookingRow) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode()


def _parse_cursor(raw: str) -> tuple[datetime, uuid.UUID]:
    try:
        created, _, row_id = base64.urlsafe_b64decode(raw.encode()).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError):
        raise PublicError("after: not a cursor from this API") from None


@strawberry.type
class Query:
    node: relay.Node | None = relay.node(permission_classes=[IsAuthenticated])

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def me(self, info: Info[Context, Any]) -> User:
        user = await info.context.user()
        account = await AccountRow.get_or_none(user=user).prefetch_related("boxes")
        principal = info.context.principal
        return User(
            id=strawberry.ID(str(user.id)), email=user.email,
            is_admin=bool(principal and principal.is_admin),
            aimharder=account_type(account, list(account.boxes)) if account else None,
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def prebooking(self, info: Info[Context, Any], id: strawberry.ID) -> Prebooking | None:
        prebooking_id = parse_prebooking_id(id)
        if prebooking_id is None:
            return None
        row = await prebookings.get_owned(await info.context.user(), prebooking_id)
        return Prebooking.from_row(row) if row else None

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def prebookings(
        self,
        info: Info[Context, Any],
        status: list[PrebookingStatus] | None = None,  # type: ignore[valid-type]
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> relay.Connection[Prebooking]:
        size = DEFAULT_PAGE_SIZE if first is None else first
        if size < 0 or size > MAX_PAGE_SIZE:
            raise PublicError(f"first must be between 0 and {MAX_PAGE_SIZE}")
        query = PrebookingRow.filter(user=await info.context.user())
        if status:
            query = query.filter(status__in=[s.value for s in status])  # type: ignore[attr-defined]
        if after:
            created, row_id = _parse_cursor(after)
            query = query.filter(
                Q(created_at__lt=created) | Q(created_at=created, id__lt=row_id)
            )
        rows = await query.order_by("-created_at", "-id").limit(size + 1)
        page = rows[:size]
        edges = [relay.Edge(node=Prebooking.from_row(r), cursor=_cursor(r)) for r in page]
        return relay.Connection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def notifications(
        self, info: Info[Context, Any], first: int = DEFAULT_PAGE_SIZE
    ) -> list[Notification]:
        if first < 0 or first > MAX_PAGE_SIZE:
            raise PublicError(f"first must be between 0 and {MAX_PAGE_SIZE}")
        rows = await NotificationRow.filter(user=await info.context.user()).order_by(
            "-created_at").limit(first)
        return [
            Notification(
                id=strawberry.ID(str(r.id)), kind=r.kind, title=r.title, body=r.body,
                prebooking_id=strawberry.ID(str(r.prebooking_id)) if r.prebooking_id else None,
                created_at=r.created_at, emailed_at=r.emailed_at,
            )
            for r in rows
        ]

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def classes(self, info: Info[Context, Any], box_id: str, day: date) -> list[GymClass]:
        ctx = info.context
        user = await ctx.user()
        await rate_limit(ctx.services, CLASSES_PER_USER, str(user.id), "class list requests")
        try:
            # The same user's identical lists (aliases, re-renders) share one AimHarder request
            # for a few seconds; lists are per user, as each carries the user's booking states.
            box, found = await ctx.services.class_lists.get(
                (user.id, box_id, day),
                lambda: prebookings.list_classes(user, box_id=box_id, day=day,
                                                 services=ctx.services))
        except accounts.NotConnected as exc:
            raise PublicError(str(exc)) from None
        except prebookings.ValidationFailed as exc:
            raise PublicError(exc.message) from None
        except Blocked as exc:
            raise PublicError(str(exc), extensions={"code": "ACCESS_BLOCKED"}) from None
        except Upstream:
            raise PublicError("AimHarder is unavailable; try again shortly") from None
        return [
            GymClass(
                id=c.id, name=c.name, time=c.time, capacity=c.capacity, booked=c.booked,
                opens_at=prebookings.known_opening(box, c), book_state=c.book_state,
            )
            for c in found
        ]
