"""How long a `/graphql` websocket may live, and how many one user may hold.

A bearer token is checked when the socket starts, but a socket can stay open for days: without
more, a token that was valid once would give access forever. So the socket closes (4403) when
its token expires, each new operation checks the token again, a socket that never presents a
token closes a few seconds after `connection_init`, and each user holds a bounded number.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)

from schema.context import AUTHENTICATION_REQUIRED, TOKEN_EXPIRED, Context

if TYPE_CHECKING:
    from api.graphql import ConnectionContext

EXPIRED_CODE = 4403  # graphql-transport-ws "Forbidden"
UNAUTHENTICATED_CODE = 4401  # graphql-transport-ws "Unauthorized"


@dataclass(frozen=True)
class SocketPolicy:
    init_timeout_s: float = 5.0  # `connection_init` must arrive this soon after the handshake
    anonymous_s: float = 5.0  # a socket without a token closes this long after its ack
    max_per_user: int = 8  # open sockets per user on one instance


class SocketCounter:
    """Open authenticated sockets per subject on this instance (sockets are per instance)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: Counter[str] = Counter()

    def acquire(self, subject: str) -> bool:
        if self._open[subject] >= self.limit:
            return False
        self._open[subject] += 1
        return True

    def release(self, subject: str) -> None:
        self._open[subject] -= 1
        if self._open[subject] <= 0:
            del self._open[subject]

    def open_for(self, subject: str) -> int:
        return self._open[subject]


class ExpiringSocketHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with a deadline and a per-operation check."""

    _deadline: asyncio.Task[None] | None = None

    def _connection(self) -> ConnectionContext:
        return self.context  # type: ignore[return-value]

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._deadline is None:
            self._deadline = asyncio.create_task(self._close_at_deadline())
            self._deadline.add_done_callback(self._task_done)

    async def _close_at_deadline(self) -> None:
        context = self._connection()
        principal = context.principal
        policy: SocketPolicy = self.view.socket_policy  # type: ignore[attr-defined]
        if principal is None:
            await asyncio.sleep(policy.anonymous_s)
            await self._close(UNAUTHENTICATED_CODE, AUTHENTICATION_REQUIRED)
            return
        # Sleeps by the context's (injectable) clock; nothing to await but time passing.
        while context.principal is not None:  # noqa: ASYNC110
            await asyncio.sleep(max(0.0, principal.expires_at - context.clock()))
        await self._close(EXPIRED_CODE, TOKEN_EXPIRED)

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the client may have gone already
            await self.websocket.close(code=code, reason=reason)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        context = self._connection()
        if context.slot is not None and context.principal is None:
            await self._close(EXPIRED_CODE, TOKEN_EXPIRED)
            return
        await super().handle_subscribe(message)

    async def shutdown(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._deadline
        context = self._connection()
        if context.slot is not None:
            counter: SocketCounter = self.view.sockets  # type: ignore[attr-defined]
            counter.release(context.slot)
            context.slot = None
        await super().shutdown()
