"""The same-instant gate: prebookings that open together leave in creation order, at once.

Every execution claimed on this instance joins the batch of its firing instant with a prepared
`Shot` (connection open, request serialised). One task per batch re-checks the connections a
moment before the instant, waits on the precise clock, then fires every shot in creation
order from a single synchronous loop, so the only spread is one socket write per request.
Answers are collected afterwards; "too early" answers are fired again in the same order, in
waves, until each entrant has a final answer or its retry window is over.

A shot that joins after its batch was released starts a new batch for the same instant, which
fires at once: it is late already and waiting would only make it later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from booking.aimharder import UpstreamUnavailableError
from booking.aimharder.wire import Shot
from booking.clock import COLLECTOR, QUIET_BEFORE_NS, CollectorHold, Release, sleep_until_ns
from booking.outcomes import BookAnswer, Outcome, classify

log = logging.getLogger(__name__)

# Pauses between "too early" waves: the first retry is immediate, then short steps.
TOO_EARLY_BACKOFF_S = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25)
# Connections are checked this long before the instant: reopened if the box closed them, and
# replaced if older than FRESH_FOR_S, so no keep-alive timeout can fall on the instant itself
# (the fake box's uvicorn closes idle connections after 5 s, exactly the default lead).
REARM_LEAD_NS = 1_000_000_000
FRESH_FOR_S = 1.5


def worth_resending(answer: BookAnswer) -> bool:
    """Worth sending again inside the window: "too early", or the box failing (5xx).

    Sending again is safe: the box refuses a second booking of the same hour
    (NOPUEDESRESERVAMISMAHORA), which counts as booked.
    """
    return classify(answer) is Outcome.TOO_EARLY or answer.status_code >= 500


@dataclass(frozen=True)
class Volley:
    """What one entrant gets back from the gate."""

    answer: BookAnswer | None  # the final answer, None when the box never answered
    error: UpstreamUnavailableError | None
    attempts: int
    first_sent_ns: int | None
    position: int  # 0-based place in creation order within the batch
    size: int  # entrants in the batch
    spread_ms: float  # last minus first send of the batch's first wave, on this instance
    late: bool  # joined after the batch for its instant had been released


@dataclass
class _Entrant:
    order: tuple[int, str]
    shot: Shot
    deadline_ns: int
    future: asyncio.Future[Volley]
    attempts: int = 0
    first_sent_ns: int | None = None


@dataclass
class _Batch:
    target_ns: int
    late: bool
    gate: OpeningGate
    entrants: list[_Entrant] = field(default_factory=list)
    released: bool = False
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        quiet: Release | None = None
        try:
            await self._nap_until(self.target_ns - self.gate.rearm_lead_ns)
            await asyncio.gather(*(e.shot.open(max_age_s=FRESH_FOR_S) for e in self.entrants),
                                 return_exceptions=True)
            await self._nap_until(self.target_ns - QUIET_BEFORE_NS)
            quiet = self.gate.collector.take()  # no collection pause on the instant
            await self.gate.sleep_until(self.target_ns)
            self.released = True
            self.gate.forget(self)
            await self._fire_waves(sorted(self.entrants, key=lambda e: e.order), quiet)
        except BaseException as exc:  # no entrant may wait forever on a broken batch
            cancelled = isinstance(exc, asyncio.CancelledError)
            for entrant in self.entrants:
                if not entrant.future.done():
                    if cancelled:
                        entrant.future.cancel()
                    else:
                        entrant.future.set_exception(exc)
            if cancelled:
                raise
            log.exception("gate %d failed", self.target_ns)
        finally:
            if quiet is not None:
                quiet.release()

    async def _nap_until(self, target_ns: int) -> None:
        """A plain event-loop sleep, for the points before the instant that need no precision:
        the precise wait's final spin would hold the loop (and a batch firing meanwhile) for
        nothing."""
        await asyncio.sleep(max(0.0, (target_ns - self.gate.now_ns()) / 1e9))

    async def _fire_waves(self, ordered: list[_Entrant], quiet: Release) -> None:
        size, spread_ms = len(ordered), 0.0
        position = {id(e): i for i, e in enumerate(ordered)}
        pending, wave = ordered, 0

        def settle(e: _Entrant, answer: BookAnswer | None, error: UpstreamUnavailableError | None,
                   ) -> None:
            if not e.future.done():
                e.future.set_result(Volley(answer, error, e.attempts, e.first_sent_ns,
                                           position[id(e)], size, spread_ms, self.late))

        while pending:
            fired, unfired = self._fire_in_order(pending)
            for e in unfired:  # its connection was gone: reconnect, then fire after the rest
                try:
                    await e.shot.rearm()
                    self._mark(e, e.shot.fire())
                    fired.append(e)
                except UpstreamUnavailableError as exc:
                    e.attempts += 1
                    settle(e, None, exc)
            if wave == 0:
                quiet.release()  # the first wave is out
                sent = [e.shot.sent_at_ns for e in fired if e.shot.sent_at_ns is not None]
                spread_ms = (max(sent) - min(sent)) / 1e6 if sent else 0.0
                log.info("gate %d released %d in creation order, spread %.3f ms%s",
                         self.target_ns, size, spread_ms, " (late)" if self.late else "")
            answers = await asyncio.gather(*(e.shot.answer() for e in fired),
                                           return_exceptions=True)
            again: list[_Entrant] = []
            for e, result in zip(fired, answers, strict=True):
                if isinstance(result, UpstreamUnavailableError):
                    settle(e, None, result)
                elif isinstance(result, BaseException):
                    settle(
                        e, None, UpstreamUnavailableError(f"AimHarder booking failed: {result!r}",
                                                        sent_at_ns=e.shot.sent_at_ns))
                elif self.gate.retry(result) and self.gate.now_ns() < e.deadline_ns:
                    again.append(e)
                else:
                    settle(e, result, None)
                    e.shot.close()
            pause = self.gate.backoff[min(wave, len(self.gate.backoff) - 1)]
            wave += 1
            if again and pause:
                await asyncio.sleep(pause)
            await asyncio.gather(*(e.shot.rearm() for e in again), return_exceptions=True)
            pending = again

    def _fire_in_order(self, entrants: list[_Entrant]) -> tuple[list[_Entrant], list[_Entrant]]:
        fired: list[_Entrant] = []
        unfired: list[_Entrant] = []
        for e in entrants:  # no await in here: nothing else runs until every shot is out
            try:
                sent = e.shot.fire()
            except UpstreamUnavailableError:
                unfired.append(e)
                continue
            self._mark(e, sent)
            fired.append(e)
        return fired, unfired

    @staticmethod
    def _mark(e: _Entrant, sent_ns: int) -> None:
        e.attempts += 1
        e.first_sent_ns = e.first_sent_ns or sent_ns


class OpeningGate:
    """One per process (per AimHarder client): batches keyed by their firing instant (ns)."""

    def __init__(
        self,
        *,
        rearm_lead_ns: int = REARM_LEAD_NS,
        retry: Callable[[BookAnswer], bool] = worth_resending,
        backoff: tuple[float, ...] = TOO_EARLY_BACKOFF_S,
        sleep_until: Callable[[int], Awaitable[int]] = sleep_until_ns,
        now_ns: Callable[[], int] = time.time_ns,
        collector: CollectorHold | None = None,
    ) -> None:
        self.rearm_lead_ns = rearm_lead_ns
        self.collector = collector or COLLECTOR
        self.retry = retry
        self.backoff = backoff
        self.sleep_until = sleep_until
        self.now_ns = now_ns
        self._batches: dict[int, _Batch] = {}

    def waiting(self, target_ns: int) -> int:
        """How many entrants wait for `target_ns` (released batches are not counted)."""
        batch = self._batches.get(target_ns)
        return len(batch.entrants) if batch else 0

    def forget(self, batch: _Batch) -> None:
        if self._batches.get(batch.target_ns) is batch:
            del self._batches[batch.target_ns]

    async def fire(self, shot: Shot, *, target_ns: int, order: tuple[int, str],
                   deadline_ns: int) -> Volley:
        """Join the batch of `target_ns`; returns once this shot has its final answer.

        `order` is (created_at ns, id): smaller leaves first. Nothing is sent before
        `target_ns` on this host's clock.
        """
        batch = self._batches.get(target_ns)
        if batch is None:
            late = self.now_ns() >= target_ns
            batch = _Batch(target_ns, late, self)
            self._batches[target_ns] = batch
            batch.task = asyncio.create_task(batch.run(), name=f"opening-gate-{target_ns}")
        entrant = _Entrant(order, shot, deadline_ns, asyncio.get_running_loop().create_future())
        batch.entrants.append(entrant)
        return await asyncio.shield(entrant.future)
