"""When each message goes out: an in-memory timer over a bounded window of the database.

Pending messages due up to `horizon` are all held in memory, in a heap ordered by
(due, creation). One loop timer is armed for the earliest; it wakes about a millisecond
early and then yields to the loop until the wall clock reaches the due instant, so nothing
goes out before its time and little goes out late. Due messages start in due/creation order
with bounded concurrency. The database is read only to refill the window (every quarter
window, or when a capped window runs low) and written only after an attempt.

Memory changes that mirror database writes happen in `Store` on_commit callbacks, which run
in commit order: a window snapshot and an attempt's outcome can never be applied out of order.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import deque

from localqstash.config import LocalQStashConfig
from localqstash.db import messages as db_messages
from localqstash.delivery import Deliverer, decide, follow_ups
from localqstash.models import Decision, Message, Queue, new_id, now_ms
from localqstash.queues import QueueGate
from localqstash.store import Store

log = logging.getLogger("localqstash.scheduler")

WAITING, READY, INFLIGHT = 0, 1, 2
_EARLY_WAKE_S = 0.0015


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
        self._horizon = -1
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
        if self._refill_task is not None:
            self._refill_task.cancel()
            await asyncio.gather(self._refill_task, return_exceptions=True)
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def in_memory(self) -> int:
        return len(self._entries)

    # -- memory, called in commit order --------------------------------------------------

    def admit(self, message: Message) -> None:
        """A message was created or rescheduled; hold it if it falls inside the window."""
        if message.due > self._horizon or message.id in self._entries:
            return
        self._entries[message.id] = message
        self._phase[message.id] = WAITING
        heapq.heappush(self._heap, (message.due, message.seq, next(self._tie), message))
        if self._running and (self._timer_due is None or message.due < self._timer_due):
            self._arm()

    def forget(self, ids: list[str]) -> None:
        """Messages were cancelled; an attempt already in flight cannot be recalled."""
        for message_id in ids:
            if self._phase.get(message_id) != INFLIGHT:
                self._entries.pop(message_id, None)
                self._phase.pop(message_id, None)

    def queue_changed(self, queue: Queue) -> None:
        self._resume(self._gate.update(queue))

    def queue_removed(self, name: str) -> None:
        for message in self._gate.remove(name):
            self._ready.appendleft(message)
        self._dispatch()

    def _merge_window(self, window: db_messages.Window) -> None:
        self._horizon = max(self._horizon, window.horizon)
        self._capped = window.horizon < now_ms() + self._window_ms // 2
        for message in window.messages:
            self.admit(message)

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
            return
        due = self._heap[0][0]
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
        if delay > _EARLY_WAKE_S:
            self._timer = loop.call_at(loop.time() + delay - _EARLY_WAKE_S, self._on_timer)
        else:  # the last moment: yield to the loop until the wall clock gets there
            self._timer = loop.call_soon(self._on_timer)
        self._timer_due = due

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_due = None
        now = time.time() * 1000
        while self._heap:
            item = self._heap[0]
            if not self._valid(item):
                heapq.heappop(self._heap)
                continue
            if item[0] > now:
                break
            heapq.heappop(self._heap)
            self._phase[item[3].id] = READY
            self._ready.append(item[3])
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
        task = asyncio.create_task(self._attempt(message))
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

    async def _attempt(self, message: Message) -> None:
        try:
            attempt = await self._deliverer.attempt(message)
            now = now_ms()
            decision = decide(message, attempt, now=now)
            dlq_id = new_id("dlq")
            extra = follow_ups(message, attempt, decision, dlq_id=dlq_id, now=now)
            op = db_messages.record_outcome(
                message, attempt, decision, now=now, dlq_id=dlq_id, follow_ups=extra
            )
            await self._store.run(op, lambda rec: self._finished(message, decision, rec))
        except asyncio.CancelledError:
            self._release(message)
            raise
        except Exception:
            log.exception("attempt of %s failed unexpectedly; retrying in 1s", message.id)
            self._release(message)
            message.due = now_ms() + 1000
            self.admit(message)

    def _release(self, message: Message) -> None:
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
        op = db_messages.load_window(now_ms() + self._window_ms, self._capacity)
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
