"""Cron schedules: each firing publishes one message, stamped with the schedule id."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

from localqstash import cron
from localqstash.db import schedules as db_schedules
from localqstash.models import Message, Schedule, new_id, now_ms
from localqstash.scheduler import Scheduler
from localqstash.store import Store

log = logging.getLogger("localqstash.schedules")


def instantiate(schedule: Schedule, now: int) -> Message:
    """The message one firing of `schedule` publishes."""
    due = now + schedule.delay_ms
    return dataclasses.replace(
        schedule.template,
        id=new_id("msg"),
        created_at=now,
        not_before=due,
        due=due,
        retried=0,
        schedule_id=schedule.id,
        seq=0,
    )


class ScheduleRunner:
    """Holds every schedule in memory (they are few) with one timer for the earliest."""

    def __init__(self, *, store: Store, scheduler: Scheduler) -> None:
        self._store = store
        self._scheduler = scheduler
        self._schedules: dict[str, Schedule] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False

    async def start(self) -> None:
        now = now_ms()
        for schedule in await self._store.run(db_schedules.list_all):
            if schedule.next_time is None and not schedule.paused:
                schedule.next_time = cron.next_after(schedule.cron, now)
            # A firing missed while the server was down happens once, right away.
            self._schedules[schedule.id] = schedule
        self._running = True
        self._arm()

    async def stop(self) -> None:
        self._running = False
        if self._timer is not None:
            self._timer.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def put(self, schedule: Schedule) -> None:
        self._schedules[schedule.id] = schedule
        self._arm()

    def remove(self, schedule_id: str) -> None:
        self._schedules.pop(schedule_id, None)
        self._arm()

    def get(self, schedule_id: str) -> Schedule | None:
        return self._schedules.get(schedule_id)

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        times = [s.next_time for s in self._schedules.values()
                 if not s.paused and s.next_time is not None]
        if not self._running or not times:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, min(times) / 1000 - time.time())
        self._timer = loop.call_at(loop.time() + delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        now = now_ms()
        for schedule in list(self._schedules.values()):
            if schedule.paused or schedule.next_time is None or schedule.next_time > now:
                continue
            schedule.last_time = schedule.next_time
            schedule.next_time = cron.next_after(schedule.cron, max(now, schedule.next_time))
            task = asyncio.create_task(self._fire(schedule, now))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._arm()

    async def _fire(self, schedule: Schedule, now: int) -> None:
        message = instantiate(schedule, now)
        try:
            await self._store.run(
                db_schedules.fire(dataclasses.replace(schedule), message, now=now),
                lambda created: self._scheduler.admit(created) if created else None,
            )
        except Exception:
            log.exception("firing schedule %s failed", schedule.id)
