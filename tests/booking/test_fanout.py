"""Prebooking changes across instances on one PostgreSQL (LISTEN/NOTIFY), in one process:
two event buses, each with its own listening connection, as two instances have."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

import pytest

from booking.events import Change, PrebookingEvents
from booking.infra.fanout import CHANNEL, PgFanout, listen_dsn
from models.migrate import apply_migrations
from models.prebookings import Prebooking, PrebookingStatus
from models.users import User
from tests.booking.test_lifecycle import prebooking_in
from tests.dbkit import connected
from tests.postgres import fresh_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_database() as url:  # PostgreSQL only: SQLite keeps the in-process bus
        asyncio.run(apply_migrations(url))
        yield url


Two = tuple[PrebookingEvents, PgFanout, PrebookingEvents, PgFanout]


@asynccontextmanager
async def two_instances(pg_url: str) -> AsyncIterator[Two]:
    """Inside the test's own task: Tortoise's connection is bound to the task that opens it."""
    a_events, b_events = PrebookingEvents(), PrebookingEvents()
    a = PgFanout(pg_url, a_events, check_every_s=0.5)
    b = PgFanout(pg_url, b_events, check_every_s=0.5)
    async with connected(pg_url), AsyncExitStack() as stack:
        await stack.enter_async_context(a.running())
        await stack.enter_async_context(b.running())
        yield a_events, a, b_events, b


def change(user: uuid.UUID, kind: str = "prebooking.completed") -> Change:
    return Change(user_id=user, prebooking_id=uuid.uuid4(), kind=kind, at=datetime.now(UTC))


def test_listen_dsn_drops_tortoise_options() -> None:
    assert (listen_dsn("postgres://u:p@db:5432/prebook?minsize=1&maxsize=20")
            == "postgresql://u:p@db:5432/prebook")


async def test_a_change_reaches_the_other_instance_once_and_only_its_owner(
        pg_url: str) -> None:
    async with two_instances(pg_url) as (a_events, _a, b_events, _b):
        owner, stranger = uuid.uuid4(), uuid.uuid4()
        with (a_events.subscribe(owner) as on_a, b_events.subscribe(owner) as on_b,
              b_events.subscribe(stranger) as strangers):
            first = change(owner)
            await a_events.announce(first)
            assert on_a.get_nowait() == first.prebooking_id  # local subscribers at once
            assert await asyncio.wait_for(on_b.get(), 5) == first.prebooking_id
            second = change(owner, "prebooking.cancelled")
            await b_events.announce(second)
            assert on_b.get_nowait() == second.prebooking_id
            # A hears its own announcement before B's (one connection, in commit order) and skips
            # it: so once B's has arrived, A's queue holds exactly that one.
            assert await asyncio.wait_for(on_a.get(), 5) == second.prebooking_id
            assert on_a.empty() and on_b.empty() and strangers.empty()


async def test_a_lost_listening_connection_is_said_reopened_and_its_gap_told(
        pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with two_instances(pg_url) as (a_events, _a, b_events, b):
        caplog.set_level(logging.INFO, logger="booking.infra.fanout")
        user = await User.create(subject="fanout-gap", email="gap@example.com")
        with b_events.subscribe(user.id) as on_b:
            # Written without an announcement, as if its NOTIFY had been lost with the
            # connection: only the replay after the reconnect can tell B's subscriber.
            unheard = await prebooking_in(PrebookingStatus.COMPLETED, user)
            killed = b.server_pid
            assert killed is not None and b.connections == 1
            await Prebooking._meta.db.execute_query(
                "SELECT pg_terminate_backend($1)", [killed])
            assert await asyncio.wait_for(on_b.get(), 10) == unheard.id
            assert b.connections == 2 and b.listening.is_set() and b.server_pid != killed
            said = [r.getMessage() for r in caplog.records if r.name == "booking.infra.fanout"]
            assert any(m.startswith(f"lost the {CHANNEL} listening connection")
                       for m in said), said
            assert any(m.startswith(f"listening on {CHANNEL} again") and "1 prebooking(s)" in m
                       for m in said), said
            after = change(user.id)
            await a_events.announce(after)  # and it listens again
            assert await asyncio.wait_for(on_b.get(), 5) == after.prebooking_id
            assert on_b.empty()


async def test_a_notification_that_is_not_prebooks_is_ignored_and_said(
        pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with two_instances(pg_url) as (a_events, _a, b_events, _b):
        owner = uuid.uuid4()
        with b_events.subscribe(owner) as on_b:
            await Prebooking._meta.db.execute_query(
                "SELECT pg_notify($1, $2)", [CHANNEL, "not json"])
            known = change(owner)
            await a_events.announce(known)
            assert await asyncio.wait_for(on_b.get(), 5) == known.prebooking_id  # still listening
            assert on_b.empty()
        assert any("that is not prebook's" in r.getMessage() for r in caplog.records)
