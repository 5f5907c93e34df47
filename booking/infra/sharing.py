"""One answer shared by identical requests for a few seconds (class lists).

One GraphQL document may ask for the same class list many times (aliases), and a frontend
may ask again on every render; each would be a request to AimHarder. Identical requests in
flight wait on the same load, and its answer is reused for `ttl_s`. A failed load is not kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

V = TypeVar("V")


@dataclass
class _Entry:
    until: float
    task: asyncio.Task[Any]


class SharedAnswers(Generic[V]):
    def __init__(self, ttl_s: float = 5.0, *, max_entries: int = 4096,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[Hashable, _Entry] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        now = self.clock()
        entry = self._entries.get(key)
        if entry is None or entry.until <= now or entry.task.cancelled() or (
                entry.task.done() and entry.task.exception() is not None):
            self._forget_expired(now)
            entry = _Entry(now + self.ttl_s, asyncio.ensure_future(load()))
            self._entries[key] = entry
        # Shielded: one caller giving up does not cancel the load the others wait on.
        result: V = await asyncio.shield(entry.task)
        return result

    def _forget_expired(self, now: float) -> None:
        if len(self._entries) < self.max_entries:
            return
        for key in [k for k, e in self._entries.items() if e.until <= now or e.task.done()]:
            del self._entries[key]
