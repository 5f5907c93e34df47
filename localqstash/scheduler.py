"""When each message goes out: an in-memory timer over a bounded window of the database.

Every pending message up to `horizon`, a (due, seq) key, is held in memory, in a heap in
that order, and never more than `window_capacity` of them: the rest wait in SQLite until a
refill (every quarter window, when a capped window runs low, or when the timer reaches the
horizon) brings them in. Half a second before a due instant the messages due by then are
staged (connections warmed, requests signed and laid out). One loop timer is armed for the
earliest; it wakes about a millisecond early and then yields to the loop until the wall
clock reaches the due instant, so nothing goes out before its time and little goes out
late. Due messages start in (due, seq) order with bounded concurrency; an attempt's slot is
free as soon as the answer is in, and its outcome is written to the database afterwards.

Memory changes that mirror database writes happen in `Store` on_commit callbacks, which run
in commit order: a window snapshot and an attempt's outcome can never be applied out of order.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable

from localqstash.config import LocalQStashConfig
from localqstash.db import messages as db_messages
from localqstash.deliverer import Deliverer
from localqstash.delivery import decide, follow_ups
from localqstash.models import Attempt, Decision, Message, Queue, new_id, now_ms
from localqstash.queues import QueueGate
from localqstash.staging import Stager
from localqstash.store import Store

log = logging.getLogger("localqstash.scheduler")

WAITING, READY, INFLIGHT = 0, 1, 2
_EARLY_WAKE_S = 0.0015
_STAGE_LEAD_MS = 500


class Scheduler:
    def __init__(self, *, store: Store, deliverer: Deliverer, config: LocalQStashConfig) -> None:
        self._store = store
        self._deliverer = deliverer
        self._max = config.max_concurrency
        self._window_ms = int(config.window_seconds * 1000)
        self._capacity = config.window_capacity
        self._heap: list[tuple[int, int, int, Message]] = []
        self._tie = itertools.count()
        self._entries: dict[str, Message] = {}
        self._phase: dict[str, int] = {}
        self._ready: deque[Message] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._gate = QueueGate()
        self._stager = Stager(deliverer=deliverer, concurrency=self._max,
                              waiting=lambda m: self._phase.get(m.id) == WAITING)
        self._staged_until = 0
        self._horizon: db_messages.Key = (-1, 0)
        self._capped = False
        self._timer: asyncio.Handle | None = None
        self._timer_due: int | None = None
        self._refill_wanted = asyncio.Event()
        self._refill_task: asyncio.Task[None] | None = None
        self._running = False

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, queues: list[Queue]) -> None:
        for queue in queues:
            self._gate.update(queue)
        await self._refill()
        self._running = True
        self._arm()
        self._refill_task = asyncio.create_task(self._refill_loop())

    async def stop(self, grace: float) -> None:
        """Stop starting attempts; give in-flight ones `grace` seconds, then abandon them.

        An abandoned attempt leaves its message pending in the database, due in the past, so
        the next start delivers it again: at-least-once, never lost.
        """
        self._running = False
        self._cancel_timer()
        self._stager.stop()
        if self._refill_task is not None:
            self._refill_task.cancel()
            await asyncio.gather(self._refill_task, return_exceptions=True)
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def in_memory(self) -> int:  # waiting in the window, due, or in flight
        return len(self._entries)

    # -- memory, called in commit order --------------------------------------------------

    def admit(self, message: Message) -> None:
        """A message was created or rescheduled; hold it if it falls inside the window.

        A full window does not grow: its horizon moves in front of the message instead,
        which then waits in the database for a refill.
        """
        if (message.due, message.seq) > self._horizon or message.id in self._entries:
            return
        if len(self._entries) >= self._capacity:
            self._horizon = (message.due, message.seq - 1)
            self._capped = True
            self._refill_wanted.set()
            return
        self._insert(message)
        if message.due <= max(self._staged_until, now_ms() + _STAGE_LEAD_MS):
            self._stager.stage([message])
        if self._running and (self._timer_due is None or message.due < self._timer_due):
            self._arm()

    def _insert(self, message: Message) -> None:
        self._entries[message.id] = message
        self._phase[message.id] = WAITING
        heapq.heappush(self._heap, (message.due, message.seq, next(self._tie), message))

    def forget(self, ids: list[str]) -> None:
        """Messages were cancelled; an attempt already in flight cannot be recalled."""
        for message_id in ids:
            if self._phase.get(message_id) != INFLIGHT:
                self._entries.pop(message_id, None)
                self._phase.pop(message_id, None)
                self._stager.drop(message_id)

    def queue_changed(self, queue: Queue) -> None:
        self._resume(self._gate.update(queue))

    def queue_removed(self, name: str) -> None:
        for message in self._gate.remove(name):
            self._ready.appendleft(message)
        self._dispatch()

    def _merge_window(self, window: db_messages.Window) -> None:
        """Make the waiting messages in memory exactly the window the database just read."""
        inside = {mid for _, _, mid in window.keys}
        evicted = [mid for mid, phase in self._phase.items()
                   if phase == WAITING and mid not in inside]
        for mid in evicted:
            del self._entries[mid]
            del self._phase[mid]
            self._stager.drop(mid)
        if evicted:
            self._heap = [item for item in self._heap if self._valid(item)]
            heapq.heapify(self._heap)
        self._horizon = window.horizon
        self._capped = window.horizon[1] != db_messages.END_OF_TIME
        for due, seq, mid in window.keys:
            if mid in self._entries:
                continue
            message = window.loaded.get(mid)
            if message is None:  # held when the window was read, released since
                self._horizon = (due, seq - 1)
                self._capped = True
                self._refill_wanted.set()
                break
            self._insert(message)

    # -- timing --------------------------------------------------------------------------

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_due = None

    def _valid(self, item: tuple[int, int, int, Message]) -> bool:
        message = item[3]
        return (
            self._entries.get(message.id) is message
            and self._phase.get(message.id) == WAITING
            and message.due == item[0]
        )

    def _arm(self, *, force: bool = False) -> None:
        while self._heap and not self._valid(self._heap[0]):
            heapq.heappop(self._heap)
        if not self._running or not self._heap:
            self._cancel_timer()
            if self._capped:
                self._refill_wanted.set()
            return
        due = self._heap[0][0]
        if (due, self._heap[0][1]) > self._horizon:
            # Messages before it may still be in the database: read them first.
            self._cancel_timer()
            self._refill_wanted.set()
            return
        if (
            not force
            and self._timer is not None
            and self._timer_due is not None
            and self._timer_due <= due
        ):
            return
        self._cancel_timer()
        loop = asyncio.get_running_loop()
        delay = due / 1000 - time.time()
        if due > self._staged_until and delay > _STAGE_LEAD_MS / 1000:
            self._timer = loop.call_at(loop.time() + delay - _STAGE_LEAD_MS / 1000, self._stage)
        elif delay > _EARLY_WAKE_S:
            self._timer = loop.call_at(loop.time() + delay - _EARLY_WAKE_S, self._on_timer)
        else:  # the last moment: yield to the loop until the wall clock gets there
            self._timer = loop.call_soon(self._on_timer)
        self._timer_due = due

    def _stage(self) -> None:
        """Warm up and prepare everything due within the lead, then arm the real timer."""
        self._timer = None
        self._timer_due = None
        self._staged_until = now_ms() + _STAGE_LEAD_MS
        popped = []
        while self._heap and self._heap[0][0] <= self._staged_until:
            item = heapq.heappop(self._heap)
            if self._valid(item):
                popped.append(item)
        for item in popped:
            heapq.heappush(self._heap, item)
        self._stager.stage([item[3] for item in popped])
        self._arm()

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_due = None
        now = time.time() * 1000
        # Fire the first at once; move a large burst out of the heap a slice per loop turn.
        budget = self._max * 4
        while self._heap and budget:
            item = self._heap[0]
            if not self._valid(item):
                heapq.heappop(self._heap)
                continue
            if item[0] > now or (item[0], item[1]) > self._horizon:
                break
            heapq.heappop(self._heap)
            self._phase[item[3].id] = READY
            self._ready.append(item[3])
            budget -= 1
            if len(self._tasks) < self._max:
                self._dispatch()
        self._dispatch()
        self._arm()

    # -- attempts ------------------------------------------------------------------------

    def _dispatch(self) -> None:
        while self._running and self._ready and len(self._tasks) < self._max:
            message = self._ready.popleft()
            if self._entries.get(message.id) is not message or self._phase[message.id] != READY:
                continue
            if message.queue is not None and not self._gate.try_acquire(message):
                continue
            self._phase[message.id] = INFLIGHT
            self._spawn(message)

    def _spawn(self, message: Message) -> None:
        started = self._deliverer.fire(message, self._stager.take(message))
        task = asyncio.create_task(self._attempt(message, started))
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._dispatch()

    def _resume(self, messages: list[Message]) -> None:
        """Queue messages cleared to start: ahead of the rest, gate slot already taken."""
        for message in reversed(messages):
            if self._entries.get(message.id) is message and self._running:
                self._phase[message.id] = INFLIGHT
                self._spawn(message)
            elif message.queue is not None:
                self._resume(self._gate.release(message.queue))

    async def _attempt(self, message: Message, started: Awaitable[Attempt]) -> None:
        """Wait for the answer, then queue the outcome's write without waiting for it."""
        try:
            attempt = await started
            now = math.ceil(time.time() * 1000)  # rounded up: no retry before its delay
            decision = decide(message, attempt, now=now)
            dlq_id = new_id("dlq")
            extra = follow_ups(message, attempt, decision, dlq_id=dlq_id, now=now)
            op = db_messages.record_outcome(
                message, attempt, decision, now=now, dlq_id=dlq_id, follow_ups=extra
            )
            written = self._store.run(op, lambda rec: self._finished(message, decision, rec))
        except asyncio.CancelledError:
            self._release(message)
            raise
        except Exception as exc:
            self._failed(message, exc)
            return
        written.add_done_callback(lambda f: self._failed(message, f.exception()))

    def _failed(self, message: Message, exc: BaseException | None) -> None:
        if exc is None:
            return
        log.error("attempt of %s failed unexpectedly; retrying in 1s", message.id, exc_info=exc)
        self._release(message)
        message.due = now_ms() + 1000
        self.admit(message)

    def _release(self, message: Message) -> None:
        self._stager.drop(message.id)
        if self._entries.get(message.id) is message:
            del self._entries[message.id]
            del self._phase[message.id]
        if message.queue is not None:
            self._resume(self._gate.release(message.queue))

    def _finished(self, message: Message, decision: Decision,
                  recorded: db_messages.Recorded) -> None:
        self._release(message)
        if recorded.applied and decision.kind == "retry" and decision.next_due is not None:
            message.due = decision.next_due
            message.retried += 1
            self.admit(message)
        for follow_up in recorded.created:
            self.admit(follow_up)
        if self._capped and len(self._entries) < self._capacity // 4:
            self._refill_wanted.set()
        self._dispatch()

    # -- window --------------------------------------------------------------------------

    async def _refill(self) -> None:
        op = db_messages.load_window(now_ms() + self._window_ms, self._capacity,
                                     frozenset(self._entries))
        await self._store.run(op, self._merge_window)

    async def _refill_loop(self) -> None:
        interval = max(0.05, self._window_ms / 4000)
        while True:
            try:
                await asyncio.wait_for(self._refill_wanted.wait(), timeout=interval)
            except TimeoutError:
                pass
            self._refill_wanted.clear()
            try:
                await self._refill()
                # The wall clock may have been stepped since the timer was set.
                self._arm(force=True)
            except Exception:
                log.exception("refilling the scheduling window failed")
