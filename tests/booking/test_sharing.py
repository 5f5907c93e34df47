"""Identical requests share one load for a few seconds; failures are not kept."""

from __future__ import annotations

import asyncio

import pytest

from booking.infra.sharing import SharedAnswers


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_identical_requests_in_flight_share_one_load() -> None:
    loads = 0
    release = asyncio.Event()

    async def load() -> list[str]:
        nonlocal loads
        loads += 1
        await release.wait()
        return ["class-1"]

    shared: SharedAnswers[list[str]] = SharedAnswers(ttl_s=5)
    waiting = [asyncio.ensure_future(shared.get(("user", "box", "day"), load))
               for _ in range(15)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [["class-1"]] * 15
    assert loads == 1


async def test_answers_are_reused_for_ttl_then_loaded_again() -> None:
    clock, loads = Clock(), []

    async def load() -> int:
        loads.append(clock.now)
        return len(loads)

    shared: SharedAnswers[int] = SharedAnswers(ttl_s=5, clock=clock)
    assert await shared.get("k", load) == 1
    clock.now += 4.9
    assert await shared.get("k", load) == 1
    assert await shared.get("other", load) == 2
    clock.now += 0.2
    assert await shared.get("k", load) == 3


async def test_a_failed_load_is_not_kept() -> None:
    attempts = 0

    async def load() -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("box down")
        return "ok"

    shared: SharedAnswers[str] = SharedAnswers(ttl_s=5)
    with pytest.raises(ConnectionError):
        await shared.get("k", load)
    assert await shared.get("k", load) == "ok"


async def test_one_caller_giving_up_does_not_cancel_the_others() -> None:
    release = asyncio.Event()

    async def load() -> str:
        await release.wait()
        return "done"

    shared: SharedAnswers[str] = SharedAnswers(ttl_s=5)
    impatient = asyncio.ensure_future(shared.get("k", load))
    patient = asyncio.ensure_future(shared.get("k", load))
    await asyncio.sleep(0)
    impatient.cancel()
    release.set()
    assert await patient == "done"
