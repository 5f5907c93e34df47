"""Prebooking changes: told at once to this instance's GraphQL subscribers, then to the relays
(other instances through PostgreSQL, `booking.infra.fanout`; the webhook,
`booking.infra.webhooks`)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One change of a prebooking. `kind` is `prebooking.created`, `prebooking.` and the
    status it moved to in lower case (`prebooking.executing`, `prebooking.completed`, ...), or
    `prebooking.rescheduled` (still PENDING, its opening moved with its box's time zone)."""

    user_id: uuid.UUID
    prebooking_id: uuid.UUID
    kind: str
    at: datetime


def created(user_id: uuid.UUID, prebooking_id: uuid.UUID, at: datetime) -> Change:
    return Change(user_id=user_id, prebooking_id=prebooking_id, kind="prebooking.created", at=at)


def rescheduled(user_id: uuid.UUID, prebooking_id: uuid.UUID, at: datetime) -> Change:
    return Change(user_id=user_id, prebooking_id=prebooking_id, kind="prebooking.rescheduled",
                  at=at)


def moved(user_id: uuid.UUID, prebooking_id: uuid.UUID, status: str, at: datetime) -> Change:
    return Change(user_id=user_id, prebooking_id=prebooking_id,
                  kind=f"prebooking.{status.lower()}", at=at)


class Relay(Protocol):
    async def relay(self, change: Change) -> None: ...


class PrebookingEvents:
    def __init__(self, max_queued: int = 100) -> None:
        self._subscribers: set[tuple[uuid.UUID, asyncio.Queue[uuid.UUID]]] = set()
        self._max_queued = max_queued
        self.relays: list[Relay] = []

    async def announce(self, change: Change) -> None:
        """A change was written: this instance's subscribers hear of it now, then each relay.
        A relay that fails is logged and never fails the change itself."""
        self.publish(user_id=change.user_id, prebooking_id=change.prebooking_id)
        for relay in tuple(self.relays):
            try:
                await relay.relay(change)
            except Exception as exc:
                log.error("%s of prebooking %s was not relayed by %s: %s: %s", change.kind,
                          change.prebooking_id, type(relay).__name__, type(exc).__name__, exc)

    def publish(self, *, user_id: uuid.UUID, prebooking_id: uuid.UUID) -> None:
        """Tell this instance's subscribers of `user_id` (a relay from another instance too)."""
        for owner, queue in list(self._subscribers):
            if owner == user_id and queue.qsize() < self._max_queued:
                queue.put_nowait(prebooking_id)

    @contextmanager
    def subscribe(self, user_id: uuid.UUID) -> Iterator[asyncio.Queue[uuid.UUID]]:
        entry: tuple[uuid.UUID, asyncio.Queue[uuid.UUID]] = (user_id, asyncio.Queue())
        self._subscribers.add(entry)
        try:
            yield entry[1]
        finally:
            self._subscribers.discard(entry)

    async def stream(self, user_id: uuid.UUID) -> AsyncIterator[uuid.UUID]:
        with self.subscribe(user_id) as queue:
            while True:
                yield await queue.get()
