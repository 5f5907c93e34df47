"""Queries: me, prebooking, prebookings (Relay connection, newest first), classes."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from booking import accounts, prebookings
from booking.aimharder import AccessBlockedError as Blocked
from booking.aimharder import UpstreamUnavailableError as Upstream
from booking.infra.limits import CLASSES_PER_USER
from models.notifications import Notification as NotificationRow
from models.prebookings import Prebooking as PrebookingRow
from schema.context import Context, IsAuthenticated, PublicError, rate_limit
from schema.enums import NotificationKind, PrebookingStatus, to_graphql
from schema.me import account_type as account_type
from schema.me import user_type
from schema.types import (
    GymClass,
    Notification,
    Prebooking,
    User,
    parse_prebooking_id,
)

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


Row = TypeVar("Row", bound=Model)
N = TypeVar("N", bound=relay.Node)


def _cursor(row: Any) -> str:
    return base64.urlsafe_b64encode(f"{row.created_at.isoformat()}|{row.id}".encode()).decode()


def _parse_cursor(raw: str) -> tuple[datetime, uuid.UUID]:
    try:
        created, _, row_id = base64.urlsafe_b64decode(raw.encode()).decode().partition("|")
        return datetime.fromisoformat(created), uuid.UUID(row_id)
    except (ValueError, UnicodeDecodeError):
        raise PublicError("after: not a cursor from this API") from None


async def page_of(query: QuerySet[Row], first: int | None, after: str | None,
                  node: Callable[[Row], N]) -> relay.Connection[N]:
    """One page of rows, newest first, after the cursor `after`, as `node`s."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise PublicError(f"first must be between 0 and {MAX_PAGE_SIZE}")
    if after:
        created, row_id = _parse_cursor(after)
        query = query.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=row_id))
    rows = await query.order_by("-created_at", "-id").limit(size + 1)
    page = rows[:size]
    edges = [relay.Edge(node=node(r), cursor=_cursor(r)) for r in page]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


@strawberry.type
class Query:
    node: relay.Node | None = relay.node(
        permission_classes=[IsAuthenticated],
        description="One of the caller's objects (a Prebooking or a Rule) by its Relay id; null "
                    "when there is no such object of the caller's.")

    @strawberry.field(permission_classes=[IsAuthenticated], description="The caller.")
    async def me(self, info: Info[Context, Any]) -> User:
        return await user_type(await info.context.user(), info.context.principal)

    @strawberry.field(permission_classes=[IsAuthenticated],
                      description="One of the caller's prebookings; null when there is no such "
                                  "prebooking of theirs.")
    async def prebooking(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID, strawberry.argument(
            description="The prebooking's id (its Relay id, or the bare UUID).")],
    ) -> Prebooking | None:
        prebooking_id = parse_prebooking_id(id)
        if prebooking_id is None:
            return None
        row = await prebookings.get_owned(await info.context.user(), prebooking_id)
        return Prebooking.from_row(row) if row else None

    @strawberry.field(permission_classes=[IsAuthenticated],
                      description="The caller's prebookings, newest first (by createdAt).")
    async def prebookings(
        self,
        info: Info[Context, Any],
        status: Annotated[list[PrebookingStatus] | None, strawberry.argument(
            description="Only prebookings in these statuses; null or empty: all.")] = None,
        first: Annotated[int | None, strawberry.argument(
            description="How many to return (0 to 100).")] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, strawberry.argument(
            description="The `endCursor` of the previous page.")] = None,
    ) -> relay.Connection[Prebooking]:
        query = PrebookingRow.filter(user=await info.context.user())
        if status:
            query = query.filter(status__in=[s.value for s in status])
        return await page_of(query, first, after, Prebooking.from_row)

    @strawberry.field(permission_classes=[IsAuthenticated],
                      description="The caller's latest notifications, newest first.")
    async def notifications(
        self, info: Info[Context, Any],
        first: Annotated[int, strawberry.argument(
            description="How many to return (0 to 100).")] = DEFAULT_PAGE_SIZE,
    ) -> list[Notification]:
        if first < 0 or first > MAX_PAGE_SIZE:
            raise PublicError(f"first must be between 0 and {MAX_PAGE_SIZE}")
        rows = await NotificationRow.filter(user=await info.context.user()).order_by(
            "-created_at").limit(first)
        return [
            Notification(
                id=strawberry.ID(str(r.id)), kind=to_graphql(NotificationKind, r.kind),
                title=r.title, body=r.body,
                prebooking_id=strawberry.ID(str(r.prebooking_id)) if r.prebooking_id else None,
                created_at=r.created_at, emailed_at=r.emailed_at,
            )
            for r in rows
        ]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="A box's classes on one day, as AimHarder lists them now, with the member's "
                    "own state in each. Not being connected, an unknown box, or AimHarder "
                    "unavailable or blocking come as GraphQL errors.")
    async def classes(
        self, info: Info[Context, Any],
        box_id: Annotated[str, strawberry.argument(
            description="One of the caller's boxes (Box.id).")],
        day: Annotated[date, strawberry.argument(
            description="The date on the box's calendar (box-local).")],
        family_id: Annotated[str | None, strawberry.argument(
            description="List for this AimHarder family member (their bookState); null: the "
                        "account holder.")] = None,
    ) -> list[GymClass]:
        ctx = info.context
        user = await ctx.user()
        await rate_limit(ctx.services, CLASSES_PER_USER, str(user.id), "class list requests")
        try:
            # The same user's identical lists (aliases, re-renders) share one AimHarder request
            # for a few seconds; lists are per user, as each carries the user's booking states.
            box, found = await ctx.services.class_lists.get(
                (user.id, box_id, day, family_id),
                lambda: prebookings.list_classes(user, box_id=box_id, day=day,
                                                 family_id=family_id, services=ctx.services))
        except accounts.NotConnectedError as exc:
            raise PublicError(str(exc)) from None
        except prebookings.ValidationFailedError as exc:
            raise PublicError(exc.message) from None
        except Blocked as exc:
            raise PublicError(str(exc), extensions={"code": "ACCESS_BLOCKED"}) from None
        except Upstream:
            raise PublicError("AimHarder is unavailable; try again shortly") from None
        return [
            GymClass(
                id=c.id, name=c.name, time=c.time, capacity=c.capacity, booked=c.booked,
                opens_at=prebookings.known_opening(box, c), book_state=c.book_state,
                waitlist=c.waitlist,
            )
            for c in found
        ]
