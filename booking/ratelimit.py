"""A small in-process sliding-window rate limiter (per key), for login attempts."""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    """At most `limit` events per `window_s` for each key; per instance, not shared."""

    def __init__(self, limit: int, window_s: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = {}
        self._max_keys = max_keys

    def hit(self, key: str, *, now: float | None = None) -> float:
        """Record an attempt; returns 0 when allowed, else the seconds until one is."""
        moment = time.monotonic() if now is None else now
        events = self._events.setdefault(key, deque())
        while events and events[0] <= moment - self.window_s:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window_s - moment
        events.append(moment)
        if len(self._events) > self._max_keys:  # bound memory: forget idle keys
            for stale in [k for k, v in self._events.items() if not v][: self._max_keys // 10]:
                del self._events[stale]
        return 0.0
