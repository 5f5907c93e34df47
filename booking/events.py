"""In-process fan-out of prebooking changes to GraphQL subscribers of this instance."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager


class PrebookingEvents:
    def __init__(self, max_queued: int = 100) -> None:
        self._subscribers: set[tuple[uuid.UUID, asyncio.Queue[uuid.UUID]]] = set()
        self._max_queued = max_queued

    def publish(self, *, user_id: uuid.UUID, prebooking_id: uuid.UUID) -> None:
        for owner, queue in list(self._subscribers):
            if owner == user_id and queue.qsize() < self._max_queued:
                queue.put_nowait(prebooking_id)

    @contextmanager
    def subscribe(self, user_id: uuid.UUID) -> Iterator[asyncio.Queue[uuid.UUID]]:
        entry: tuple[uuid.UUID, asyncio.Queue[uuid.UUID]] = (user_id, asyncio.Queue())
        self._subscribers.add(entry)
        try:
            yield entry[1]
        finally:
            self._subscribers.discard(entry)

    async def stream(self, user_id: uuid.UUID) -> AsyncIterator[uuid.UUID]:
        with self.subscribe(user_id) as queue:
            while True:
                yield await queue.get()
