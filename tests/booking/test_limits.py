"""Rate limits counted in the database: exact under concurrency, sliding with the clock, and
not extended by refused attempts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from booking.infra.limits import Limiter, RateLimitedError, Rule, bucket, normalised_email
from models.limits import RateLimitHit
from tests.dbkit import connected, migrated_database

FIVE_PER_MINUTE = Rule("test:five", 5, 60.0)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory.mktemp("limits")) as url:
        yield url


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_concurrent_attempts_admit_exactly_the_limit(database: str) -> None:
    limiter = Limiter()
    async with connected(database):
        waits = await asyncio.gather(*(limiter.hit(FIVE_PER_MINUTE, "crowded")
                                       for _ in range(20)))
        assert sum(1 for wait in waits if wait == 0) == 5
        assert all(0 < wait <= 60 for wait in waits if wait)
        # Refused attempts leave nothing behind: only the admitted hits count.
        assert await RateLimitHit.filter(bucket=bucket(FIVE_PER_MINUTE, "crowded")).count() == 5


async def test_the_window_slides_with_the_clock(database: str) -> None:
    clock = Clock()
    limiter = Limiter(clock=clock)
    async with connected(database):
        for _ in range(5):
            assert await limiter.hit(FIVE_PER_MINUTE, "sliding") == 0
            clock.now += timedelta(seconds=10)
        # 50 s after the first hit: refused until it is 60 s old.
        assert await limiter.hit(FIVE_PER_MINUTE, "sliding") == pytest.approx(10)
        clock.now += timedelta(seconds=5)
        with pytest.raises(RateLimitedError) as refused:  # hammering does not extend the wait
            await limiter.check(FIVE_PER_MINUTE, "sliding")
        assert refused.value.retry_after_s == pytest.approx(5)
        clock.now += timedelta(seconds=5)
        assert await limiter.hit(FIVE_PER_MINUTE, "sliding") == 0  # the first has expired
        assert await limiter.hit(FIVE_PER_MINUTE, "sliding") > 0


async def test_keys_and_rules_are_counted_apart(database: str) -> None:
    limiter = Limiter()
    other_rule = Rule("test:other", 1, 60.0)
    async with connected(database):
        for _ in range(5):
            assert await limiter.hit(FIVE_PER_MINUTE, "alice") == 0
        assert await limiter.hit(FIVE_PER_MINUTE, "alice") > 0
        assert await limiter.hit(FIVE_PER_MINUTE, "bob") == 0
        assert await limiter.hit(other_rule, "alice") == 0


async def test_expired_hits_are_deleted(database: str) -> None:
    clock = Clock()
    limiter = Limiter(clock=clock)
    async with connected(database):
        await limiter.hit(FIVE_PER_MINUTE, "old")
        clock.now += timedelta(seconds=61)
        await limiter.hit(FIVE_PER_MINUTE, "new")
        assert not await RateLimitHit.filter(bucket=bucket(FIVE_PER_MINUTE, "old")).exists()


def test_emails_are_normalised_and_not_stored() -> None:
    assert normalised_email("  Athlete@Example.COM ") == "athlete@example.com"
    name = bucket(FIVE_PER_MINUTE, "athlete@example.com")
    assert "athlete" not in name and name.startswith("test:five:")
