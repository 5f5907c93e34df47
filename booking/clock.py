"""A precise wall clock wait: coarse sleep, then a short spin, never waking before the target."""

from __future__ import annotations

import asyncio
import time

# An event-loop timer can wake about a millisecond early or late; the last stretch is spun.
SPIN_NS = 2_000_000


async def sleep_until_ns(target_ns: int, *, spin_ns: int = SPIN_NS) -> int:
    """Wait until `time.time_ns() >= target_ns`; returns the time it woke (ns since epoch)."""
    while True:
        remaining = target_ns - time.time_ns()
        if remaining <= spin_ns:
            break
        await asyncio.sleep((remaining - spin_ns) / 1e9)
    now = time.time_ns()
    while now < target_ns:
        now = time.time_ns()
    return now
