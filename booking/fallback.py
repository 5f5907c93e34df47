"""With QSTASH_ENABLED=false the app schedules itself: due prebookings run from this loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from booking.execution import ExecutionDeferred, execute
from booking.services import Services
from booking.sweep import sweep
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)
TICK_S = 0.5
SWEEP_EVERY_S = 60.0


async def _run(prebooking_id: uuid.UUID, services: Services) -> None:
    try:
        await execute(prebooking_id, services=services)
    except ExecutionDeferred as exc:
        log.warning("prebooking %s deferred: %s", prebooking_id, exc)
    except Exception:
        log.exception("prebooking %s failed to execute", prebooking_id)


async def _loop(services: Services) -> None:
    running: dict[uuid.UUID, asyncio.Task[None]] = {}
    last_sweep = 0.0
    loop = asyncio.get_running_loop()
    while True:
        horizon = datetime.now(UTC) + timedelta(seconds=services.timing.lead_seconds)
        due = await Prebooking.filter(status=PrebookingStatus.PENDING, opens_at__lte=horizon)
        for prebooking_id in (row.id for row in due):
            if prebooking_id not in running:
                running[prebooking_id] = asyncio.create_task(_run(prebooking_id, services))
        for finished in [k for k, task in running.items() if task.done()]:
            del running[finished]
        if loop.time() - last_sweep > SWEEP_EVERY_S:
            last_sweep = loop.time()
            try:
                await sweep(services)
            except Exception:
                log.exception("sweep failed")
        await asyncio.sleep(TICK_S)


@contextlib.asynccontextmanager
async def run_fallback_scheduler(services: Services) -> AsyncIterator[None]:
    log.warning("QSTASH_ENABLED=false: prebook schedules its own prebookings (one instance only)")
    task = asyncio.create_task(_loop(services))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
