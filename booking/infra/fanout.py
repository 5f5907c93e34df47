"""Prebooking changes shared by every instance on one PostgreSQL, through LISTEN/NOTIFY.

Each change is announced with `NOTIFY prebook_updates` on the ORM's connection after it is
written; each instance keeps one connection of its own that `LISTEN`s and feeds its local
subscribers (`PrebookingEvents.publish`). An instance skips its own announcements: its local
subscribers heard of the change already, without the round trip. When the listening connection
is lost, the instance says so in the log, reconnects with a growing pause, and says when it
listens again; then every prebooking written since a few seconds before the loss (its
`updated_at`; the margin covers clocks of instances that differ a little) is told to the local
subscribers once, so nothing announced in the gap is missed (a subscriber may see a state twice,
never miss one's latest). SQLite has no such channel: there, one process is the whole
deployment and the in-process bus is enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from booking.events import Change, PrebookingEvents
from models.prebookings import Prebooking

log = logging.getLogger(__name__)
CHANNEL = "prebook_updates"
# Changes written this long before a lost connection was noticed are told again after it.
REPLAY_MARGIN = timedelta(seconds=5)


def listen_dsn(database_url: str) -> str:
    """The database URL as asyncpg takes it: Tortoise's own query options are dropped."""
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(scheme="postgresql", query=""))


def is_postgres(database_url: str) -> bool:
    return urlsplit(database_url).scheme in ("postgres", "postgresql", "asyncpg", "psycopg")


class PgFanout:
    """Announces this instance's changes and relays the other instances' to local subscribers."""

    def __init__(self, database_url: str, events: PrebookingEvents, *,
                 check_every_s: float = 5.0, max_pause_s: float = 10.0) -> None:
        self.instance = uuid.uuid4().hex[:12]
        self._dsn = listen_dsn(database_url)
        self._events = events
        self._check_every_s = check_every_s
        self._max_pause_s = max_pause_s
        self.listening = asyncio.Event()
        self.connections = 0  # listening connections opened so far (1 + reconnects)
        self.server_pid: int | None = None  # the listening backend, for operators and tests
        self._lost_at: datetime | None = None

    async def relay(self, change: Change) -> None:
        """NOTIFY the other instances (on the ORM's pool: no second connection per change)."""
        payload = json.dumps({"i": self.instance, "u": str(change.user_id),
                              "p": str(change.prebooking_id), "k": change.kind})
        await Prebooking._meta.db.execute_query(
            "SELECT pg_notify($1, $2)", [CHANNEL, payload])

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            if data["i"] == self.instance:
                return
            user_id, prebooking_id = uuid.UUID(data["u"]), uuid.UUID(data["p"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a %s notification that is not prebook's: %.80r", CHANNEL, payload)
            return
        self._events.publish(user_id=user_id, prebooking_id=prebooking_id)

    async def _replay(self, since: datetime) -> int:
        rows = await Prebooking.filter(updated_at__gte=since).values_list("id", "user_id")
        for prebooking_id, user_id in rows:
            self._events.publish(user_id=user_id, prebooking_id=prebooking_id)
        return len(rows)

    async def _listen_once(self) -> None:
        """One listening connection, until it is lost (raises) or the task is cancelled."""
        conn = await asyncpg.connect(self._dsn, timeout=10)
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c: lost.set())
            await conn.add_listener(CHANNEL, self._heard)
            self.connections += 1
            self.server_pid = conn.get_server_pid()
            if self._lost_at is not None:
                replayed = await self._replay(self._lost_at - REPLAY_MARGIN)
                log.warning("listening on %s again (instance %s); %d prebooking(s) changed "
                            "since %s told to this instance's subscribers again", CHANNEL,
                            self.instance, replayed, (self._lost_at - REPLAY_MARGIN).isoformat())
                self._lost_at = None
            else:
                log.info("listening on %s for other instances' changes (instance %s)",
                         CHANNEL, self.instance)
            self.listening.set()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self._check_every_s)
                    break
                await conn.fetchval("SELECT 1", timeout=self._check_every_s)  # a silent loss
            raise ConnectionError("the server closed the listening connection")
        finally:
            if self.listening.is_set():
                self._lost_at = datetime.now(UTC)
            self.listening.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)

    async def run(self) -> None:
        """Listen until cancelled: reconnect after a loss, pausing longer while it fails."""
        pause = 0.2
        while True:
            opened = self.connections
            try:
                await self._listen_once()
            except Exception as exc:
                if self.connections > opened:  # it had been listening: try again soon
                    pause = 0.2
                log.warning("lost the %s listening connection (%s: %s); reconnecting in %.1f s",
                            CHANNEL, type(exc).__name__, exc, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._max_pause_s)

    @contextlib.asynccontextmanager
    async def running(self, *, ready_timeout_s: float = 10.0) -> AsyncIterator[PgFanout]:
        """Listen for the block's duration; relays this instance's changes meanwhile.

        Start-up waits for the first LISTEN (so nothing announced after start-up is missed) but
        not forever: a database that is slow to answer is logged and retried in the background.
        """
        self._events.relays.append(self)
        task = asyncio.create_task(self.run(), name="prebook-listen")
        try:
            try:
                await asyncio.wait_for(self.listening.wait(), ready_timeout_s)
            except TimeoutError:
                log.error("not yet listening on %s after %.0f s; retrying in the background",
                          CHANNEL, ready_timeout_s)
            yield self
        finally:
            self._events.relays.remove(self)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
