"""The scheduler's memory: which messages of its window it holds, and the phase of each.

A held message is in exactly one phase:

- WAITING: in the due-heap, in (due, seq) order;
- READY: out of the heap and due, waiting for a delivery slot (or parked at its queue's gate);
- IN_FLIGHT: an attempt started; held until its outcome is recorded, so that a cancel, a
  refill or a duplicate admission cannot bring it back while the attempt runs.

Two promises hold after every call: every pending message up to `horizon`, a (due, seq) key,
is held here (so nothing before the horizon waits unseen in the database), and at most
`capacity` messages are held (ones in flight whose rows were cancelled aside). The class reads
no clock and does no I/O: the scheduler passes `now` in, and turns what comes back into
timers, staging, refills and attempts. That keeps these rules testable step by step.

The heap deletes lazily. Each admission gets a fresh ticket; a heap item is live only while
its ticket is its entry's current one and the entry is WAITING, so whatever a message went
through since (cancelled, evicted, handed out, admitted again) leaves dead items behind that
are skipped, never handed out twice.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections import deque
from dataclasses import dataclass

from localqstash.db.messages import END_OF_TIME, Key, Window
from localqstash.models import Message


class Phase(enum.Enum):
    WAITING = "waiting"
    READY = "ready"
    IN_FLIGHT = "in flight"


class Admission(enum.Enum):
    HELD = "held"
    OUTSIDE = "outside"  # beyond the horizon, or already held: the database has it
    FULL = "full"  # the window is full: the horizon moved in front of it, a refill is due


@dataclass(frozen=True, slots=True)
class Merged:
    evicted: list[str]  # waiting messages no longer in the window
    short: bool  # a message read was released since: the horizon stops before it, read again


@dataclass(slots=True)
class _Entry:
    message: Message
    phase: Phase
    ticket: int


_Item = tuple[int, int, int, Message]  # (due, seq, ticket, message)


class DueQueue:
    """The window's messages, their phases, and the order they fall due in."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: dict[str, _Entry] = {}
        self._heap: list[_Item] = []
        self._ready: deque[Message] = deque()
        self._tickets = itertools.count()
        self._horizon: Key = (-1, 0)  # nothing is known to be held until the first merge
        self._capped = False

    def __len__(self) -> int:  # waiting, ready or in flight
        return len(self._entries)

    @property
    def horizon(self) -> Key:
        return self._horizon

    @property
    def capped(self) -> bool:
        """The window was cut by its capacity: more may wait in the database before `limit`."""
        return self._capped

    def running_low(self) -> bool:
        return self._capped and len(self._entries) < self._capacity // 4

    def held(self) -> frozenset[str]:
        return frozenset(self._entries)

    def phase(self, message_id: str) -> Phase | None:
        entry = self._entries.get(message_id)
        return entry.phase if entry is not None else None

    def is_waiting(self, message: Message) -> bool:
        return self.phase(message.id) is Phase.WAITING

    # -- coming in -----------------------------------------------------------------------

    def admit(self, message: Message) -> Admission:
        """Hold a message created or rescheduled, if it falls inside the window.

        A full window does not grow: its horizon moves in front of the message instead,
        which then waits in the database for a refill.
        """
        if (message.due, message.seq) > self._horizon or message.id in self._entries:
            return Admission.OUTSIDE
        if len(self._entries) >= self._capacity:
            self._horizon = (message.due, message.seq - 1)
            self._capped = True
            return Admission.FULL
        self._insert(message)
        return Admission.HELD

    def merge(self, window: Window) -> Merged:
        """Make the waiting messages exactly the window the database just read."""
        inside = {mid for _, _, mid in window.keys}
        evicted = [mid for mid, entry in self._entries.items()
                   if entry.phase is Phase.WAITING and mid not in inside]
        for mid in evicted:
            del self._entries[mid]
        if evicted:
            self._heap = [item for item in self._heap if self._live(item)]
            heapq.heapify(self._heap)
        self._horizon = window.horizon
        self._capped = window.horizon[1] != END_OF_TIME
        for due, seq, mid in window.keys:
            if mid in self._entries:
                continue
            message = window.loaded.get(mid)
            if message is None:  # held when the window was read, released since
                self._horizon = (due, seq - 1)
                self._capped = True
                return Merged(evicted, short=True)
            self._insert(message)
        return Merged(evicted, short=False)

    def forget(self, message_id: str) -> bool:
        """Drop a cancelled message; False when it is in flight (an attempt is not recalled)."""
        entry = self._entries.get(message_id)
        if entry is not None and entry.phase is Phase.IN_FLIGHT:
            return False
        self._entries.pop(message_id, None)
        return True

    def _insert(self, message: Message) -> None:
        ticket = next(self._tickets)
        self._entries[message.id] = _Entry(message, Phase.WAITING, ticket)
        heapq.heappush(self._heap, (message.due, message.seq, ticket, message))

    # -- falling due ---------------------------------------------------------------------

    def first(self) -> Key | None:
        """The key of the earliest waiting message, beyond the horizon or not."""
        while self._heap and not self._live(self._heap[0]):
            heapq.heappop(self._heap)
        return (self._heap[0][0], self._heap[0][1]) if self._heap else None

    def waiting_until(self, limit: int) -> list[Message]:
        """The waiting messages due by `limit`, in order; they stay waiting."""
        popped: list[_Item] = []
        while self._heap and self._heap[0][0] <= limit:
            item = heapq.heappop(self._heap)
            if self._live(item):
                popped.append(item)
        for item in popped:
            heapq.heappush(self._heap, item)
        return [item[3] for item in popped]

    def take_due(self, now: float) -> Message | None:
        """Move the earliest waiting message, if due by `now` and within the horizon, to READY.

        Nothing past the horizon is handed out: a message before it may still be unread.
        """
        key = self.first()
        if key is None or key[0] > now or key > self._horizon:
            return None
        message = heapq.heappop(self._heap)[3]
        self._entries[message.id].phase = Phase.READY
        self._ready.append(message)
        return message

    def _live(self, item: _Item) -> bool:
        entry = self._entries.get(item[3].id)
        return entry is not None and entry.ticket == item[2] and entry.phase is Phase.WAITING

    # -- going out -----------------------------------------------------------------------

    def next_ready(self) -> Message | None:
        """The next READY message in the order it fell due; it stays READY until `start`."""
        while self._ready:
            message = self._ready.popleft()
            if self._is(message, Phase.READY):
                return message
        return None

    def requeue(self, messages: list[Message]) -> None:
        """Put READY messages back in front (their queue's gate was removed), in order."""
        self._ready.extendleft(reversed(messages))

    def start(self, message: Message) -> bool:
        """READY to IN_FLIGHT; False when the message is no longer held as READY."""
        if not self._is(message, Phase.READY):
            return False
        self._entries[message.id].phase = Phase.IN_FLIGHT
        return True

    def release(self, message: Message) -> None:
        """The attempt is over (recorded, abandoned or failed): the message is not held now."""
        entry = self._entries.get(message.id)
        if entry is not None and entry.message is message:
            del self._entries[message.id]

    def _is(self, message: Message, phase: Phase) -> bool:
        entry = self._entries.get(message.id)
        return entry is not None and entry.message is message and entry.phase is phase

    # -- for tests -----------------------------------------------------------------------

    def check(self) -> None:
        """Raise AssertionError unless the heap and the index agree (tests call it)."""
        live = [item for item in self._heap if self._live(item)]
        waiting = {mid: e for mid, e in self._entries.items() if e.phase is Phase.WAITING}
        problems = []
        if sorted(item[3].id for item in live) != sorted(waiting):
            problems.append("live heap items and waiting entries differ")
        for item in live:
            if (item[0], item[1]) != (item[3].due, item[3].seq):
                problems.append(f"{item[3].id} is in the heap under a stale key")
            if waiting[item[3].id].message is not item[3]:
                problems.append(f"{item[3].id} is in the heap as another object")
        for i in range(1, len(self._heap)):
            if self._heap[(i - 1) // 2][:3] > self._heap[i][:3]:
                problems.append("the heap is out of order")
                break
        if len(waiting) > self._capacity:
            problems.append(f"{len(waiting)} waiting, capacity {self._capacity}")
        if problems:
            raise AssertionError("; ".join(problems))
