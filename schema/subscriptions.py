"""Subscriptions: live prebooking updates for the calling user (every instance's, on PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from booking import prebookings
from schema.context import Context, IsAuthenticated
from schema.types import Prebooking, parse_prebooking_id


@strawberry.type(description="Live updates over a websocket (graphql-transport-ws); the token "
                             "goes in the handshake's Authorization header or in "
                             "connection_init's payload.")
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="The caller's prebookings each time one is created or changes status, as "
                    "it is then: on PostgreSQL whichever instance changed it (LISTEN/NOTIFY), "
                    "on SQLite this server's changes.")
    async def prebooking_updates(
        self, info: Info[Context, Any],
        id: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this prebooking (its Relay id, or the bare UUID); null: all of "
                        "the caller's. An id that is no prebooking's ends the stream at "
                        "once.")] = None,
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
