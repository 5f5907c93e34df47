"""Operator commands over the same services as the app: schedules, health, DLQ, reschedule."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from api.admin import health_report
from api.embedded_qstash import attach
from api.runtime import open_services
from api.settings import Settings
from booking import dead_letters
from booking.maintenance import reschedule
from booking.services import Services
from jobs import dlq
from jobs.schedules import DECLARED, compare, sync_schedules


async def _with(settings: Settings, work: Callable[[Services], Awaitable[int]]) -> int:
    if not settings.qstash.enabled:  # the scheduler inside the running `prebook serve`
        settings = attach(settings)
    async with open_services(settings) as services:
        return await work(services)


def _print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = {c: max(len(c), *(len(str(r.get(c) or "-")) for r in rows)) for c in columns}
    print("  ".join(c.upper().ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c) or "-").ljust(widths[c]) for c in columns))


async def schedules_sync(settings: Settings) -> int:
    async def work(services: Services) -> int:
        report = await sync_schedules(services.jobs, DECLARED)
        for label, ids in (("created", report.created), ("updated", report.updated),
                           ("removed", report.removed), ("unchanged", report.unchanged)):
            for schedule_id in ids:
                print(f"{label:9}  {schedule_id}")
        print(f"schedules: {report.summary()}")
        return 0
    return await _with(settings, work)


async def schedules_list(settings: Settings) -> int:
    async def work(services: Services) -> int:
        rows = await compare(services.jobs, DECLARED)
        _print_table(rows, ["id", "job", "cron", "state", "present_cron"])
        return 0 if all(r["state"] == "ok" for r in rows) else 1
    return await _with(settings, work)


async def health(settings: Settings) -> int:
    async def work(services: Services) -> int:
        report = await health_report(settings, services)
        print(json.dumps(report, indent=2))
        return 0 if report["healthy"] else 1
    return await _with(settings, work)


async def dlq_list(settings: Settings) -> int:
    async def work(services: Services) -> int:
        entries = await dlq.dead_letters(services.jobs)
        rows = [{"dlq_id": e.dlq_id, "url": e.url, "status": e.response_status,
                 "body": (e.body or "")[:60]} for e in entries]
        if rows:
            _print_table(rows, ["dlq_id", "status", "url", "body"])
        print(f"{len(rows)} dead letter(s)")
        return 0
    return await _with(settings, work)


async def dlq_reconcile(settings: Settings) -> int:
    async def work(services: Services) -> int:
        print(json.dumps((await dead_letters.reconcile(services)).as_json(), indent=2))
        return 0
    return await _with(settings, work)


async def prebookings_reschedule(settings: Settings) -> int:
    async def work(services: Services) -> int:
        result = await reschedule(services)
        print(f"published {len(result['published'])}, failed {len(result['failed'])}")
        for prebooking_id in result["failed"]:
            print(f"failed: {prebooking_id}")
        return 1 if result["failed"] else 0
    return await _with(settings, work)
