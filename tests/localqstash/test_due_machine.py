"""DueQueue driven by random operations against a real SQLite store, checked after every step.

The machine plays the scheduler: it publishes, cancels, lets the clock run, takes what is due,
starts it or parks it at a queue's gate, records outcomes, refills the window (read at one
step, applied at a later one, as the refill loop does) and restarts from the database. The
database is the oracle for what is pending; the clock is a number the machine moves. Instants
are often picked relative to the window (just before the earliest held message, on or just
past the horizon), where the bookkeeping has its edges.
"""

from __future__ import annotations

import itertools
import sqlite3

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from localqstash.db import messages as db_messages
from localqstash.db.schema import init
from localqstash.due import Admission, DueQueue, Phase
from localqstash.models import Attempt, Decision, Message

CAPACITY = 3
START_MS = 1_700_000_000_000
BOOT_WINDOW_MS = 4000
# Offsets in ms, or an edge of the window. Few distinct values: many messages share a due
# instant, and their order falls to `seq`.
WHEN = st.sampled_from([0, 250, 1000, 3000, "before first", "on horizon", "past horizon"])
WINDOWS = st.sampled_from([0, 1000, 4000, 10_000])
# What a freed slot does: start the next READY message, park it at its queue's gate, start
# the first one parked there, or put all parked ones back in front (the queue was removed).
DISPATCH = st.lists(st.sampled_from(["start", "park", "park", "unpark", "remove queue"]),
                    max_size=5)

Key = tuple[int, int]


def key(message: Message) -> Key:
    return (message.due, message.seq)


class DueQueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START_MS
        self.conn = sqlite3.connect(":memory:", isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        init(self.conn)
        self.ids = (f"msg_{n}" for n in itertools.count())
        self.dlq_ids = (f"dlq_{n}" for n in itertools.count())
        self.published: set[str] = set()
        self.cancelled: set[str] = set()
        self.finished: set[str] = set()  # delivered or dead-lettered
        self.restarts = 0  # a few per run: each one empties the memory being tested
        self.boot()

    def boot(self) -> None:
        """A (re)started scheduler: empty memory, then the first window read from the store."""
        self.due = DueQueue(CAPACITY)
        self.objects: dict[str, Message] = {}  # the object last handed to `due`, per id
        self.handed: dict[str, Message] = {}  # READY or in flight, since this boot
        self.ready: list[Message] = []  # the order READY messages must come out in
        self.parked: list[Message] = []  # refused by a queue's gate
        self.in_flight: dict[str, Message] = {}
        self.pending_refill: tuple[int, frozenset[str]] | None = None
        limit = self.now + BOOT_WINDOW_MS
        self.merge(db_messages.load_window(limit, CAPACITY, frozenset())(self.conn))

    def teardown(self) -> None:
        try:
            self.drain()
        finally:
            self.conn.close()

    def rows(self) -> dict[str, Key]:  # the pending messages, as the database has them
        return {r["id"]: (r["due"], r["seq"]) for r in self.conn.execute(
            "SELECT id, due, seq FROM messages")}

    def at(self, when: int | str) -> int:
        if isinstance(when, int):
            return self.now + when
        first = self.due.first()
        edge = {"before first": first[0] - 1 if first is not None else self.now,
                "on horizon": self.due.horizon[0],
                "past horizon": self.due.horizon[0] + 1}[when]
        return max(self.now, edge)

    # -- coming in -------------------------------------------------------------------------

    def admit(self, message: Message) -> None:
        """Admit, and check the answer: held iff inside the horizon with room to spare."""
        horizon, size = self.due.horizon, len(self.due)
        held_before = self.due.phase(message.id) is not None
        admission = self.due.admit(message)
        if key(message) > horizon or held_before:
            assert admission is Admission.OUTSIDE
            assert (self.due.horizon, len(self.due)) == (horizon, size)
        elif size >= CAPACITY:
            assert admission is Admission.FULL
            assert self.due.horizon < key(message) and self.due.phase(message.id) is None
        else:
            assert admission is Admission.HELD
            assert self.due.phase(message.id) is Phase.WAITING
            self.objects[message.id] = message

    @rule(whens=st.lists(WHEN, min_size=1, max_size=4))
    def publish(self, whens: list[int | str]) -> None:
        """A batch commits; its callback admits each message in turn."""
        drafts = [db_messages.Draft(Message(id=next(self.ids), url="http://sink.test/m",
                                            created_at=self.now, due=self.at(when)))
                  for when in whens]
        for item in db_messages.insert(drafts, now=self.now, dedup_window_ms=0)(self.conn):
            assert item.message is not None and item.message.seq > 0
            self.published.add(item.message.id)
            self.admit(item.message)

    @precondition(lambda self: len(self.due) > 0)
    @rule(data=st.data())
    def admit_again(self, data: st.DataObject) -> None:
        """A held message admitted twice (a repeated callback) is still held once."""
        message_id = data.draw(st.sampled_from(sorted(self.due.held())))
        phase = self.due.phase(message_id)
        self.admit(self.handed.get(message_id) or self.objects[message_id])
        assert self.due.phase(message_id) is phase

    @precondition(lambda self: self.published)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        message_id = data.draw(st.sampled_from(sorted(self.published)))
        for mid in db_messages.cancel({"messageIds": [message_id]}, now=self.now)(self.conn):
            self.cancelled.add(mid)
            was = self.due.phase(mid)
            assert self.due.forget(mid) == (was is not Phase.IN_FLIGHT)
            if was is Phase.IN_FLIGHT:  # an attempt is not recalled
                assert self.due.phase(mid) is Phase.IN_FLIGHT
            else:
                assert self.due.phase(mid) is None
                self.handed.pop(mid, None)

    @rule(window=WINDOWS)
    def read_window(self, window: int) -> None:
        """The refill loop reads the next window once the last one is applied."""
        if self.pending_refill is not None:
            self.apply_window()
        self.pending_refill = (self.now + window, self.due.held())

    @precondition(lambda self: self.pending_refill is not None)
    @rule()
    def apply_window(self) -> None:
        """The refill commits: the rows as they are now, read with the ids held back then."""
        assert self.pending_refill is not None
        limit, known = self.pending_refill
        self.pending_refill = None
        self.merge(db_messages.load_window(limit, CAPACITY, known)(self.conn))

    def merge(self, window: db_messages.Window) -> None:
        before = {mid: self.due.phase(mid) for mid in self.published}
        merged = self.due.merge(window)
        # Short: the horizon stops before the one read, so the scheduler must read again.
        assert merged.short == (self.due.horizon < window.horizon)
        for mid in merged.evicted:
            assert before[mid] is Phase.WAITING and self.due.phase(mid) is None
        for mid, message in window.loaded.items():
            if before[mid] is None and self.due.phase(mid) is Phase.WAITING:
                self.objects[mid] = message
        for mid, phase in before.items():  # only waiting ones leave, only unheld ones arrive
            if phase is not None and mid not in merged.evicted:
                assert self.due.phase(mid) is phase

    @precondition(lambda self: self.in_flight)
    @rule(data=st.data(), window=WINDOWS, when=st.sampled_from(["before first", "past horizon"]))
    def refill_races_retry(self, data: st.DataObject, window: int, when: int | str) -> None:
        """A retry commits between a refill's read and its apply: the read saw it held."""
        self.read_window(window)
        self.finish(data.draw(st.sampled_from(sorted(self.in_flight))), "retry", when)
        self.apply_window()

    @precondition(lambda self: self.restarts < 2 and self.handed)
    @rule()
    def restart(self) -> None:
        """Killed and started again: whatever was in flight is pending, due in the past."""
        self.restarts += 1
        self.boot()

    # -- falling due -----------------------------------------------------------------------

    @rule(to=st.sampled_from([0, 1, 250, 1000, "first", "horizon"]),
          budget=st.integers(0, 2 * CAPACITY), steps=DISPATCH)
    def fire(self, to: int | str, budget: int, steps: list[str]) -> None:
        """The clock moves on (to the earliest held message, say); the timer takes what is
        due, then dispatches."""
        self.tick(to)
        self.check_staging()
        for _ in range(budget):
            message = self.due.take_due(self.now)
            if message is None:
                self.assert_nothing_takeable()
                break
            self.check_taken(message)
        self.dispatch(steps)

    def tick(self, to: int | str) -> None:
        first = self.due.first()
        if to == "first" and first is not None:
            self.now = max(self.now, first[0])
        elif to == "horizon":
            self.now = max(self.now, self.due.horizon[0])
        elif isinstance(to, int):
            self.now += to

    def check_staging(self) -> None:
        """What is about to fall due, for preparing: waiting ones only, in order, left waiting."""
        limit = self.now + 500
        waiting = {mid: self.objects[mid] for mid in self.published
                   if self.due.phase(mid) is Phase.WAITING}
        expected = sorted((m for m in waiting.values() if m.due <= limit), key=key)
        assert self.due.waiting_until(limit) == expected
        assert all(self.due.phase(mid) is Phase.WAITING for mid in waiting)

    def check_taken(self, message: Message) -> None:
        assert message.due <= self.now, "handed out before its due time"
        assert key(message) <= self.due.horizon, "handed out past the horizon"
        assert message.id not in self.handed, "handed out twice"
        assert message.id not in self.cancelled, "a cancelled message came back"
        assert message is self.objects[message.id]
        assert self.due.phase(message.id) is Phase.READY
        rows = self.rows()
        assert rows[message.id] == key(message)
        earlier = [mid for mid, k in rows.items() if k < key(message) and mid not in self.handed]
        assert not earlier, f"{message.id} {key(message)} went before {earlier}"
        self.handed[message.id] = message
        self.ready.append(message)

    def assert_nothing_takeable(self) -> None:
        first = self.due.first()
        waiting = [key(self.objects[mid]) for mid in self.published
                   if self.due.phase(mid) is Phase.WAITING]
        assert first == min(waiting, default=None)
        assert first is None or first[0] > self.now or first > self.due.horizon

    # -- going out -------------------------------------------------------------------------

    def expected_ready(self) -> Message | None:
        while self.ready:
            message = self.ready.pop(0)
            if self.handed.get(message.id) is message and message.id not in self.in_flight:
                return message
        return None

    @rule(steps=DISPATCH)
    def dispatch(self, steps: list[str]) -> None:
        """Slots free up: READY messages start, or wait at their queue's gate."""
        for step in steps:
            if step == "unpark" and self.parked:
                self.start(self.parked.pop(0))
            elif step == "remove queue":
                self.due.requeue(self.parked)
                self.ready[:0] = self.parked
                self.parked = []
            elif step in ("start", "park"):
                message = self.due.next_ready()
                assert message is self.expected_ready()
                if message is None:
                    return
                if step == "park":
                    self.parked.append(message)
                    assert self.due.phase(message.id) is Phase.READY
                else:
                    self.start(message)

    def start(self, message: Message) -> None:
        startable = self.handed.get(message.id) is message and message.id not in self.in_flight
        assert self.due.start(message) == startable
        if startable:
            self.in_flight[message.id] = message
            assert self.due.phase(message.id) is Phase.IN_FLIGHT

    @precondition(lambda self: self.in_flight)
    @rule(data=st.data(), outcome=st.sampled_from(["delivered", "failed", "retry"]), when=WHEN)
    def record(self, data: st.DataObject, outcome: str, when: int | str) -> None:
        self.finish(data.draw(st.sampled_from(sorted(self.in_flight))), outcome, when)

    def finish(self, message_id: str, outcome: str, when: int | str) -> None:
        """The attempt's outcome commits; its callback releases, and admits a retry again."""
        message = self.in_flight.pop(message_id)
        del self.handed[message_id]
        next_due = self.at(when) if outcome == "retry" else None
        decision = Decision(outcome, next_due=next_due,
                            error=None if outcome == "delivered" else "destination answered 500")
        attempt = Attempt(self.now, 200 if outcome == "delivered" else 500)
        recorded = db_messages.record_outcome(message, attempt, decision, now=self.now,
                                              dlq_id=next(self.dlq_ids), follow_ups=[])(self.conn)
        assert recorded.applied == (message_id not in self.cancelled)
        self.due.release(message)
        assert self.due.phase(message_id) is None
        if recorded.applied and next_due is not None:
            message.due = next_due
            message.retried += 1
            self.admit(message)
        elif recorded.applied:
            self.finished.add(message_id)

    # -- after every step ------------------------------------------------------------------

    @invariant()
    def heap_and_index_agree(self) -> None:
        self.due.check()

    @invariant()
    def window_holds_everything_up_to_its_horizon(self) -> None:
        rows = self.rows()
        for mid, k in rows.items():
            if k <= self.due.horizon:
                assert self.due.phase(mid) is not None, f"{mid} {k} lost before the horizon"
        for mid in self.due.held():
            if mid in self.in_flight:
                continue
            assert mid in rows, f"{mid} held without a pending row"
            assert rows[mid] == key(self.objects[mid])
        if not self.due.capped:  # uncapped, the horizon is a read limit; cut, it says so
            assert self.due.horizon[1] in (db_messages.END_OF_TIME, 0)

    @invariant()
    def phases_and_size_match(self) -> None:
        for mid in self.published:
            phase = self.due.phase(mid)
            if mid in self.in_flight:
                assert phase is Phase.IN_FLIGHT
            elif mid in self.handed:
                assert phase is Phase.READY
            else:
                assert phase in (Phase.WAITING, None)

        cancelled_in_flight = sum(1 for mid in self.in_flight if mid in self.cancelled)
        assert len(self.due) == len(self.due.held()) <= CAPACITY + cancelled_in_flight

    # -- at the end ------------------------------------------------------------------------

    def drain(self) -> None:
        """Run the scheduler's loop to the end: every message not cancelled is finished."""
        for message in self.parked:
            self.start(message)
        self.parked = []
        for _ in range(len(self.published) + 2):
            if not self.rows() and not self.in_flight:
                break
            self.tick("horizon")
            self.read_window(4000)
            self.apply_window()
            self.fire(1000, len(self.published) + 1, [])
            while (ready := self.due.next_ready()) is not None:
                assert ready is self.expected_ready()
                self.start(ready)
            for message_id in sorted(self.in_flight):
                self.finish(message_id, "delivered", 0)
        assert not self.rows() and not self.in_flight
        assert self.published - self.cancelled <= self.finished


DueQueueMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=50, deadline=None, derandomize=True)
TestDueQueue = DueQueueMachine.TestCase
