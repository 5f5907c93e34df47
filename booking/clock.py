"""A precise wall clock wait: coarse sleep, then a short spin, never waking before the target;
and the collector held off across an instant."""

from __future__ import annotations

import asyncio
import gc
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


# CPython's cyclic garbage collector stops the interpreter while it runs: a full collection of
# the app's heap took 35-43 ms on the bench machine (gc.callbacks around bench/precision.py at
# N = 100). Started just before an opening, one would make every request of that instant that
# late. Held off from this long before the instant (longer than such a collection lasts, so
# one already running has ended) until the first wave is out.
QUIET_BEFORE_NS = 100_000_000


class CollectorHold:
    """Automatic garbage collection off while at least one hold is taken, process-wide.

    Holds nest (batches of several instants may overlap); the collector comes back, as it
    was before the first hold, when the last one is released. Allocation goes on as usual:
    only the cycle collector waits, reference counting frees everything else.
    """

    def __init__(self) -> None:
        self._holders = 0
        self._was_enabled = False

    @property
    def holders(self) -> int:
        return self._holders

    def take(self) -> Release:
        if self._holders == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
        self._holders += 1
        return Release(self)

    def _release(self) -> None:
        self._holders -= 1
        if self._holders == 0 and self._was_enabled:
            gc.enable()


class Release:
    """One hold: `release()` gives it back; calling it again does nothing."""

    def __init__(self, hold: CollectorHold) -> None:
        self._hold: CollectorHold | None = hold

    def release(self) -> None:
        if self._hold is not None:
            hold, self._hold = self._hold, None
            hold._release()  # its own counterpart


# The process's one hold: the collector is process-wide, so every gate shares it.
COLLECTOR = CollectorHold()
