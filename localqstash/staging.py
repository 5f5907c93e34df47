"""Getting ready for messages about to fall due: requests prepared, connections warm.

Shortly before a due instant (`lead`), the scheduler hands over every message due by then.
Connections are opened to each destination first, as many as can be used at once (the
messages due there, up to the concurrency limit), then the requests are prepared in slices
that yield to the event loop between them, so a large burst never holds up a firing.
Whatever is not ready in time is prepared at the instant it fires: slower, never wrong.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable

from localqstash.deliverer import Deliverer, Prepared, http_target
from localqstash.models import Message

_SLICE = 64


class Stager:
    def __init__(self, *, deliverer: Deliverer, concurrency: int,
                 waiting: Callable[[Message], bool]) -> None:
        self._deliverer = deliverer
        self._concurrency = concurrency
        self._waiting = waiting  # still waiting to fire: worth preparing
        self._prepared: dict[str, Prepared] = {}
        self._pending: deque[Message] = deque()
        self._handle: asyncio.Handle | None = None

    def __len__(self) -> int:
        return len(self._prepared)

    def stage(self, messages: list[Message]) -> None:
        """Warm connections for `messages` now; prepare them over the next few loop turns."""
        counts = Counter(http_target(m.url) for m in messages)
        for target, count in counts.items():
            if target is not None:
                self._deliverer.pool.warm(target.origin, min(count, self._concurrency))
        self._pending.extend(messages)
        if self._handle is None and self._pending:
            self._handle = asyncio.get_running_loop().call_soon(self._prepare_slice)

    def take(self, message: Message) -> Prepared | None:
        return self._prepared.pop(message.id, None)

    def drop(self, message_id: str) -> None:
        self._prepared.pop(message_id, None)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._pending.clear()
        self._prepared.clear()

    def _prepare_slice(self) -> None:
        self._handle = None
        for _ in range(min(_SLICE, len(self._pending))):
            message = self._pending.popleft()
            if message.id not in self._prepared and self._waiting(message):
                self._prepared[message.id] = self._deliverer.prepare(message)
        if self._pending:
            self._handle = asyncio.get_running_loop().call_soon(self._prepare_slice)
