"""What one running server holds, and the operations routes share."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import Request

from localqstash.config import LocalQStashConfig
from localqstash.db import events as db_events
from localqstash.db import messages as db_messages
from localqstash.db import queues as db_queues
from localqstash.db import schema
from localqstash.deliverer import Deliverer
from localqstash.models import now_ms
from localqstash.scheduler import Scheduler
from localqstash.schedules import ScheduleRunner
from localqstash.store import Store

log = logging.getLogger("localqstash")


@dataclass(slots=True)
class Services:
    config: LocalQStashConfig
    store: Store
    deliverer: Deliverer
    scheduler: Scheduler
    schedules: ScheduleRunner

    @classmethod
    async def start(cls, config: LocalQStashConfig) -> Services:
        store = Store(config.database_path, init=schema.init)
        await store.open()
        deliverer = Deliverer(
            signing_key=config.current_signing_key,
            max_connections=config.max_concurrency,
            default_timeout=config.default_timeout_seconds,
        )
        scheduler = Scheduler(store=store, deliverer=deliverer, config=config)
        schedules = ScheduleRunner(store=store, scheduler=scheduler)
        now = now_ms()
        retention = int(timedelta(days=config.event_retention_days).total_seconds() * 1000)
        await store.run(db_events.prune(now - retention))
        await store.run(db_messages.prune_dedup(now))
        queues = [queue for queue, _ in await store.run(db_queues.list_all)]
        await scheduler.start(queues)
        await schedules.start()
        return cls(config, store, deliverer, scheduler, schedules)

    async def stop(self) -> None:
        await self.schedules.stop()
        await self.scheduler.stop(self.config.shutdown_grace_seconds)
        await self.deliverer.aclose()
        await self.store.close()

    async def publish(self, drafts: list[db_messages.Draft]) -> list[db_messages.Published]:
        """Store new messages (deduplicated) and hand those inside the window to the timer."""
        now = now_ms()
        for queue in {d.message.queue for d in drafts if d.message.queue is not None}:
            await self.store.run(db_queues.ensure(queue, now=now), self.scheduler.queue_changed)

        def admit(published: list[db_messages.Published]) -> None:
            for item in published:
                if item.message is not None:
                    self.scheduler.admit(item.message)

        op = db_messages.insert(
            drafts, now=now, dedup_window_ms=self.config.dedup_window_seconds * 1000
        )
        return await self.store.run(op, admit)

    async def cancel(self, filters: dict[str, object]) -> list[str]:
        return await self.store.run(
            db_messages.cancel(filters, now=now_ms()), self.scheduler.forget
        )


def services(request: Request) -> Services:
    svc = request.app.state.services
    assert isinstance(svc, Services)
    return svc
