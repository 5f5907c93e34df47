"""The precise wait never wakes early; the box clock offset is bisected from Date headers."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.aimharder.clocksync import Sample, bisect, combine, next_aim_ns, parse_date
from booking.clock import sleep_until_ns


@pytest.mark.parametrize("ahead_ms", [0.0, 0.3, 1.5, 2.5, 7.0, 25.0])
async def test_sleep_until_never_wakes_before_the_target(ahead_ms: float) -> None:
    target = time.time_ns() + int(ahead_ms * 1e6)
    woke = await sleep_until_ns(target)
    assert woke >= target and time.time_ns() >= target
    assert woke - target < 20_000_000  # and not absurdly late on an idle loop


async def test_a_target_in_the_past_returns_at_once() -> None:
    target = time.time_ns() - 5_000_000
    assert await sleep_until_ns(target) >= target


async def test_many_waiters_on_a_busy_loop_all_wake_at_or_after_their_target() -> None:
    base = time.time_ns() + 10_000_000
    targets = [base + i * 300_000 for i in range(30)]

    async def busy() -> None:
        for _ in range(40):
            end = time.perf_counter() + 0.001
            while time.perf_counter() < end:
                pass
            await asyncio.sleep(0)

    woke = await asyncio.gather(*(sleep_until_ns(t) for t in targets), busy())
    assert all(w >= t for w, t in zip(woke[:-1], targets, strict=True))


class VirtualBox:
    """A box whose clock is `offset_ns` ahead of a virtual local clock; no real waiting."""

    def __init__(self, offset_ns: int, round_trip_ns: int, start_ns: int) -> None:
        self.offset, self.rtt, self.now = offset_ns, round_trip_ns, start_ns

    def now_ns(self) -> int:
        return self.now

    async def sleep_until(self, target: int) -> int:
        self.now = max(self.now, target)
        return self.now

    async def probe(self) -> Sample:
        sent = self.now
        handled = sent + self.rtt // 2 + self.offset  # box clock when it stamps Date
        self.now += self.rtt
        return Sample(sent, self.now, handled // 1_000_000_000)


@settings(max_examples=60, deadline=None)
@given(offset_ms=st.floats(-3000, 3000), rtt_ms=st.floats(0.2, 40),
       start_ms=st.integers(0, 10_000))
async def test_bisection_brackets_the_true_offset_tightly(
    offset_ms: float, rtt_ms: float, start_ms: int
) -> None:
    box = VirtualBox(int(offset_ms * 1e6), int(rtt_ms * 1e6), 1_700_000_000_000_000_000
                     + start_ms * 1_000_000)
    estimate = await bisect(box.probe, 10, now_ns=box.now_ns, sleep_until=box.sleep_until)
    assert estimate.consistent and estimate.samples == 10
    assert abs(estimate.offset_ms - offset_ms) <= estimate.uncertainty_ms + 1e-6
    assert estimate.uncertainty_ms <= 1000 / 2**9 + rtt_ms


def test_a_cached_date_header_is_reported_as_inconsistent() -> None:
    second = 1_700_000_000
    fresh = Sample(second * 10**9 + 100_000_000, second * 10**9 + 101_000_000, second)
    stale = Sample((second + 1) * 10**9 + 900_000_000, (second + 1) * 10**9 + 901_000_000,
                   second)  # still the old second, 1.9 s later
    assert combine([fresh]).consistent
    assert not combine([fresh, stale]).consistent


def test_the_aim_lands_on_a_box_second_boundary_in_the_future() -> None:
    now, offset, rtt = 1_700_000_000_250_000_000, -123_456_789.0, 2_000_000
    aim = next_aim_ns(now, offset, rtt)
    assert aim > now
    assert (aim + rtt // 2 + offset) % 1_000_000_000 == pytest.approx(0, abs=1)


def test_parse_date() -> None:
    assert parse_date("Wed, 21 Oct 2015 07:28:00 GMT") == 1445412480
    assert parse_date("garbage") is None and parse_date(None) is None
