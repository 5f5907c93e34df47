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
What is held and in which phase is `DueQueue`'s (due.py), which owns those rules; this module
owns the timers, the refill loop and the attempts.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable

from localqstash.config import LocalQStashConfig
from localqstash.db import messages as db_messages
from localqstash.deliverer import Deliverer
from localqstash.delivery import decide, follow_ups
from localqstash.due import Admission, DueQueue
from localqstash.models import Attempt, Decision, Message, Queue, new_id, now_ms
from localqstash.queues import QueueGate
from localqstash.staging import Stager
from localqstash.store import Store

log = logging.getLogger("localqstash.scheduler")

_EARLY_WAKE_S = 0.0015
_STAGE_LEAD_MS = 500


class Scheduler:
    def __init__(self, *, store: Store, deliverer: Deliverer, config: LocalQStashConfig) -> None:
        self._store = store
        self._deliverer = deliverer
        self._max = config.max_concurrency
        self._window_ms = int(config.window_seconds * 1000)
        self._capacity = config.window_capacity
        self._due = DueQueue(config.window_capacity)
        self._tasks: set[asyncio.Task[None]] = set()
        self._gate = QueueGate()
        self._stager = Stager(deliverer=deliverer, concurrency=self._max,
                              waiting=self._due.is_waiting)
        self._staged_until = 0
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
        return len(self._due)

    # -- memory, called in commit order --------------------------------------------------

    def admit(self, message: Message) -> None:
        """A message was created or rescheduled; hold it if it falls inside the window.

        A full window does not grow: its horizon moves in front of the message instead,
        which then waits in the database for a refill.
        """
        admission = self._due.admit(message)
        if admission is Admission.FULL:
            self._refill_wanted.set()
        if admission is not Admission.HELD:
            return
        if message.due <= max(self._staged_until, now_ms() + _STAGE_LEAD_MS):
            self._stager.stage([message])
        if self._running and (self._timer_due is None or message.due < self._timer_due):
            self._arm()

    def forget(self, ids: list[str]) -> None:
        """Messages were cancelled; an attempt already in flight cannot be recalled."""
        for message_id in ids:
            if self._due.forget(message_id):
                self._stager.drop(message_id)

    def queue_changed(self, queue: Queue) -> None:
        self._resume(self._gate.update(queue))

    def queue_removed(self, name: str) -> None:
        self._due.requeue(self._gate.remove(name))
        self._dispatch()

    def _merge_window(self, window: db_messages.Window) -> None:
        merged = self._due.merge(window)
        for message_id in merged.evicted:
            self._stager.drop(message_id)
        if merged.short:
            self._refill_wanted.set()

    # -- timing --------------------------------------------------------------------------

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_due = None

    def _arm(self, *, force: bool = False) -> None:
        first = self._due.first()
        if not self._running or first is None:
            self._cancel_timer()
            if self._due.capped:
                self._refill_wanted.set()
            return
        due = first[0]
        if first > self._due.horizon:
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
        self._stager.stage(self._due.waiting_until(self._staged_until))
        self._arm()

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_due = None
        now = time.time() * 1000
        # Fire the first at once; move a large burst out of the heap a slice per loop turn.
        budget = self._max * 4
        while budget and self._due.take_due(now) is not None:
            budget -= 1
            if len(self._tasks) < self._max:
                self._dispatch()
        self._dispatch()
        self._arm()

    # -- attempts ------------------------------------------------------------------------

    def _dispatch(self) -> None:
        while self._running and len(self._tasks) < self._max:
            message = self._due.next_ready()
            if message is None:
                return
            if message.queue is not None and not self._gate.try_acquire(message):
                continue  # parked at the gate, still READY
            self._due.start(message)
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
        for message in messages:
            if self._running and self._due.start(message):
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
        self._due.release(message)
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
        if self._due.running_low():
            self._refill_wanted.set()
        self._dispatch()

    # -- window --------------------------------------------------------------------------

    async def _refill(self) -> None:
        op = db_messages.load_window(now_ms() + self._window_ms, self._capacity,
                                     self._due.held())
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
