"""Subscriptions: live prebooking updates for the calling user (this instance's changes)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from booking import prebookings
from schema.context import Context, IsAuthenticated
from schema.types import Prebooking, parse_prebooking_id


@strawberry.type
class Subscription:
    @strawberry.subscription(permission_classes=[IsAuthenticated])
    async def prebooking_updates(
        self, info: Info[Context, Any], id: strawberry.ID | None = None
    ) -> AsyncGenerator[Prebooking, None]:
        user = await info.context.user()
        wanted = parse_prebooking_id(id) if id is not None else None
        if id is not None and wanted is None:
            return
        async for changed in info.context.services.events.stream(user.id):
            if wanted is not None and changed != wanted:
                continue
            row = await prebookings.get_owned(user, changed)
            if row is not None:
                yield Prebooking.from_row(row)
