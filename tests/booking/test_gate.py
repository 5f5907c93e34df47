"""The same-instant gate: creation order, never before the instant, waves, late entrants."""

from __future__ import annotations

import asyncio
import gc
import random
import time
from typing import Any

from booking.aimharder import UpstreamUnavailableError
from booking.clock import CollectorHold
from booking.gate import OpeningGate, Volley
from booking.outcomes import BookAnswer

TOO_EARLY = {"bookState": -12, "errorMssgLang": "ERROR_ANTELACION_CLIENTE",
             "errorMssg": "No puedes reservar clases con más de 4 días de antelación"}


class FakeShot:
    """Stands in for `booking.aimharder.wire.Shot`: records when and in which order it was fired."""

    fired: list[tuple[str, int]]

    def __init__(self, name: str, log: list[tuple[str, int]], *, too_early: int = 0,
                 broken: bool = False, unreachable: bool = False) -> None:
        self.name, self.log = name, log
        self.too_early = too_early  # answer "too early" this many times first
        self.broken = broken  # not connected until rearmed
        self.unreachable = unreachable  # cannot connect at all
        self.sent_at_ns: int | None = None
        self.opened = 0

    async def open(self, *, max_age_s: float | None = None) -> None:
        self.opened += 1
        if self.unreachable:
            raise UpstreamUnavailableError("connect failed")

    def fire(self) -> int:
        if self.broken or self.unreachable:
            raise UpstreamUnavailableError("not connected")
        self.sent_at_ns = time.time_ns()
        self.log.append((self.name, self.sent_at_ns))
        return self.sent_at_ns

    async def answer(self) -> BookAnswer:
        await asyncio.sleep(0.001)
        payload: dict[str, Any] = {"bookState": 1, "id": self.name}
        if self.too_early:
            self.too_early -= 1
            payload = TOO_EARLY
        assert self.sent_at_ns is not None
        return BookAnswer(200, payload, self.sent_at_ns, time.time_ns(), None)

    async def rearm(self) -> None:
        await self.open()
        self.broken = False
        self.sent_at_ns = None

    def close(self) -> None:
        pass


def soon(ms: float = 80) -> int:
    return time.time_ns() + int(ms * 1e6)


async def test_a_batch_fires_in_creation_order_and_never_before_the_instant() -> None:
    gate, log = OpeningGate(), []
    target = soon()
    names = [f"p{i:02d}" for i in range(20)]
    arrival = names[:]
    random.Random(6).shuffle(arrival)  # deliveries arrive in any order

    async def enter(name: str) -> Volley:
        await asyncio.sleep(random.random() / 50)
        return await gate.fire(FakeShot(name, log), target_ns=target,
                               order=(int(name[1:]), name), deadline_ns=target + 10**9)

    volleys = await asyncio.gather(*(enter(n) for n in arrival))
    assert [name for name, _ in log] == names
    assert all(sent >= target for _, sent in log)
    by_name = dict(zip(arrival, volleys, strict=True))
    assert [by_name[n].position for n in names] == list(range(20))
    assert {v.size for v in volleys} == {20}
    assert all(v.attempts == 1 and v.answer and v.answer.book_state == 1 for v in volleys)
    assert volleys[0].spread_ms == (log[-1][1] - log[0][1]) / 1e6
    assert not any(v.late for v in volleys)
    assert gate.waiting(target) == 0


async def test_a_busy_event_loop_does_not_make_the_gate_fire_early() -> None:
    gate, log = OpeningGate(), []
    target = soon(30)

    async def hog() -> None:  # blocks the loop in 3 ms slices around the instant
        while time.time_ns() < target + 20_000_000:
            end = time.perf_counter() + 0.003
            while time.perf_counter() < end:
                pass
            await asyncio.sleep(0)

    hogging = asyncio.create_task(hog())
    volley = await gate.fire(FakeShot("a", log), target_ns=target, order=(0, "a"),
                             deadline_ns=target + 10**9)
    await hogging
    assert volley.first_sent_ns is not None and volley.first_sent_ns >= target
    assert log[0][1] >= target


async def test_too_early_answers_are_fired_again_in_waves_in_the_same_order() -> None:
    gate, log = OpeningGate(backoff=(0.0, 0.002)), []
    target = soon()
    shots = [FakeShot("a", log, too_early=2), FakeShot("b", log),
             FakeShot("c", log, too_early=1)]
    volleys = await asyncio.gather(*(
        gate.fire(s, target_ns=target, order=(i, s.name), deadline_ns=target + 10**9)
        for i, s in enumerate(shots)))
    assert [name for name, _ in log] == ["a", "b", "c", "a", "c", "a"]
    assert [v.attempts for v in volleys] == [3, 1, 2]
    assert all(v.answer and v.answer.book_state == 1 for v in volleys)
    assert volleys[0].first_sent_ns == log[0][1]


async def test_too_early_stops_at_the_deadline_with_the_last_answer() -> None:
    gate, log = OpeningGate(backoff=(0.0, 0.005)), []
    target = soon(20)
    volley = await gate.fire(FakeShot("a", log, too_early=1000), target_ns=target,
                             order=(0, "a"), deadline_ns=target + 30_000_000)
    assert volley.answer is not None and volley.answer.book_state == -12
    assert 2 <= volley.attempts < 20


async def test_an_entrant_after_the_release_fires_at_once_in_a_batch_of_its_own() -> None:
    gate, log = OpeningGate(), []
    target = soon(20)
    first = asyncio.create_task(gate.fire(FakeShot("early", log), target_ns=target,
                                          order=(0, "early"), deadline_ns=target + 10**9))
    await asyncio.sleep(0.05)
    before = time.time_ns()
    late = await gate.fire(FakeShot("late", log), target_ns=target, order=(-1, "late"),
                           deadline_ns=target + 10**9)
    on_time = await first
    assert late.late and late.size == 1 and late.position == 0
    assert not on_time.late
    assert [name for name, _ in log] == ["early", "late"]
    assert late.first_sent_ns is not None and late.first_sent_ns >= before


async def test_a_dropped_connection_is_reopened_and_an_unreachable_box_is_an_error() -> None:
    gate, log = OpeningGate(), []
    target = soon()
    broken = FakeShot("broken", log, broken=True)
    dead = FakeShot("dead", log, unreachable=True)
    fine = FakeShot("fine", log)
    volleys = await asyncio.gather(*(
        gate.fire(s, target_ns=target, order=(i, s.name), deadline_ns=target + 10**9)
        for i, s in enumerate([broken, dead, fine])))
    assert [name for name, _ in log] == ["fine", "broken"]  # reconnected after the others
    assert volleys[0].answer is not None and volleys[0].attempts == 1
    assert volleys[1].answer is None and isinstance(volleys[1].error, UpstreamUnavailableError)
    assert volleys[2].answer is not None


class CollectorWatchingShot(FakeShot):
    """Also notes, at each send, whether the garbage collector could run."""

    def __init__(self, name: str, log: list[tuple[str, int]], **kwargs: Any) -> None:
        super().__init__(name, log, **kwargs)
        self.collector_at_sends: list[bool] = []

    def fire(self) -> int:
        self.collector_at_sends.append(gc.isenabled())
        return super().fire()


async def test_no_collection_can_start_on_the_instant_and_the_collector_comes_back() -> None:
    assert gc.isenabled()
    hold = CollectorHold()
    gate, log = OpeningGate(collector=hold), []
    target = soon(150)  # more than QUIET_BEFORE_NS ahead: the hold is taken while waiting
    shots = [CollectorWatchingShot("a", log), CollectorWatchingShot("b", log, too_early=1)]

    async def watch() -> bool:  # is the collector off just before the instant?
        await asyncio.sleep((target - time.time_ns()) / 1e9 - 0.02)
        return gc.isenabled()

    watching = asyncio.create_task(watch())
    volleys = await asyncio.gather(*(gate.fire(s, target_ns=target, order=(i, s.name),
                                               deadline_ns=target + 10**9)
                                     for i, s in enumerate(shots)))
    assert await watching is False
    assert shots[0].collector_at_sends == [False]
    assert shots[1].collector_at_sends == [False, True]  # released once the first wave is out
    assert [v.attempts for v in volleys] == [1, 2]
    assert gc.isenabled() and hold.holders == 0


async def test_a_broken_batch_gives_the_collector_back() -> None:
    hold = CollectorHold()
    gate = OpeningGate(collector=hold)

    class Exploding(FakeShot):
        def fire(self) -> int:
            raise RuntimeError("a bug in the firing loop")

    try:
        await gate.fire(Exploding("x", []), target_ns=soon(10), order=(0, "x"),
                        deadline_ns=soon(1000))
    except RuntimeError:
        pass
    else:
        raise AssertionError("the entrant did not see the batch fail")
    assert gc.isenabled() and hold.holders == 0


def test_holds_nest_and_restore_the_collector_as_it_was() -> None:
    hold = CollectorHold()
    first, second = hold.take(), hold.take()
    assert not gc.isenabled() and hold.holders == 2
    first.release()
    first.release()  # a second release of the same hold changes nothing
    assert not gc.isenabled() and hold.holders == 1
    second.release()
    assert gc.isenabled() and hold.holders == 0
    gc.disable()  # switched off by someone else: a hold leaves it off
    try:
        hold.take().release()
        assert not gc.isenabled()
    finally:
        gc.enable()
