"""Per-user and per-account rate limits, counted in the database.

A limit kept in one process's memory is per worker and per instance: four workers, or four
prebook users guessing one AimHarder password, each get their own allowance. Hits are rows
instead, so every worker and instance counts against the same ones.

Attempts on one key count and insert in one transaction, one at a time (a PostgreSQL
advisory lock on the key; SQLite runs one transaction at a time), so exactly `limit` attempts
pass in any window, however many arrive at once. A refused attempt is not recorded, so
hammering does not extend a lockout.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from models.limits import RateLimitHit


@dataclass(frozen=True)
class Rule:
    name: str
    limit: int
    window_s: float


# connectAimharder sends a password to AimHarder: few tries per prebook user, and few per
# AimHarder account whoever tries (normalised email), so several identities cannot pool theirs.
CONNECT_PER_USER = Rule("connect:user", 5, 600.0)
CONNECT_PER_EMAIL = Rule("connect:email", 5, 600.0)
# Each `classes` (aliases included) may ask AimHarder; a person and a frontend stay far below.
CLASSES_PER_USER = Rule("classes:user", 120, 60.0)
CREATE_PER_USER = Rule("create:user", 60, 60.0)


class RateLimitedError(Exception):
    def __init__(self, rule: Rule, retry_after_s: float) -> None:
        super().__init__(f"{rule.name}: retry after {retry_after_s:.0f} s")
        self.rule = rule
        self.retry_after_s = retry_after_s


def normalised_email(email: str) -> str:
    return email.strip().lower()


def bucket(rule: Rule, key: str) -> str:
    """The rule and a digest of the key: no email address is stored by a limit."""
    return f"{rule.name}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Limiter:
    clock: Callable[[], datetime] = field(default=_utcnow)

    async def hit(self, rule: Rule, key: str) -> float:
        """Count an attempt: 0 when allowed, else the seconds until one is.

        Shielded: graphql-core cancels the sibling fields of one that failed, and a transaction
        cancelled as it opens would keep its connection (on SQLite, the only one) forever.
        """
        return await asyncio.shield(self._hit(rule, key))

    async def _hit(self, rule: Rule, key: str) -> float:
        now = self.clock()
        name = bucket(rule, key)
        await RateLimitHit.filter(expires_at__lte=now).delete()
        async with in_transaction() as db:
            if db.capabilities.dialect == "postgres":
                await db.execute_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                       [name])
            live = await RateLimitHit.filter(bucket=name, expires_at__gt=now).using_db(
                db).order_by("expires_at").values_list("expires_at", flat=True)
            if len(live) >= rule.limit:
                oldest: datetime = live[0]  # type: ignore[assignment]
                return max((oldest - now).total_seconds(), 0.001)
            await RateLimitHit.create(bucket=name, expires_at=now + timedelta(
                seconds=rule.window_s), using_db=db)
        return 0.0

    async def check(self, rule: Rule, key: str) -> None:
        """`hit`, raising RateLimitedError when refused."""
        wait = await self.hit(rule, key)
        if wait:
            raise RateLimitedError(rule, wait)
