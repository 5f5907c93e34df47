"""Cron schedules declared in code, and the sync that makes QStash hold exactly those."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jobs.catalog import (
    DLQ_RECONCILE,
    MAINTENANCE_CLEANUP,
    PREBOOKINGS_SWEEP,
    REPORT_WEEKLY,
    RULES_MATERIALISE,
    SESSIONS_REFRESH,
)
from jobs.client import JobClient
from jobs.payloads import NoPayload, Payload
from jobs.registry import JobDef

# Schedules whose id starts with this are ours: sync removes those no longer declared and
# leaves every other schedule of the account alone.
PREFIX = "prebook-"


@dataclass(frozen=True)
class ScheduleDef:
    id: str
    job: JobDef[Any]
    cron: str  # 5 fields
    timezone: str = "UTC"
    payload: Payload = field(default_factory=NoPayload)

    @property
    def qstash_cron(self) -> str:
        return self.cron if self.timezone == "UTC" else f"CRON_TZ={self.timezone} {self.cron}"


DECLARED: tuple[ScheduleDef, ...] = (
    ScheduleDef(PREFIX + "sessions-refresh", SESSIONS_REFRESH, "*/20 * * * *"),
    ScheduleDef(PREFIX + "prebookings-sweep", PREBOOKINGS_SWEEP, "* * * * *"),
    ScheduleDef(PREFIX + "dlq-reconcile", DLQ_RECONCILE, "*/5 * * * *"),
    ScheduleDef(PREFIX + "rules-materialise", RULES_MATERIALISE, "*/15 * * * *"),
    ScheduleDef(PREFIX + "maintenance-cleanup", MAINTENANCE_CLEANUP, "0 4 * * *",
                "Europe/Madrid"),
    ScheduleDef(PREFIX + "report-weekly", REPORT_WEEKLY, "0 18 * * 0", "Europe/Madrid"),
)


@dataclass(frozen=True)
class PresentSchedule:
    id: str
    destination: str
    cron: str
    body: Any
    paused: bool


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} updated, "
                f"{len(self.removed)} removed, {len(self.unchanged)} unchanged")


def _body(raw: str | None) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


async def present_schedules(client: JobClient) -> dict[str, PresentSchedule]:
    """Our schedules as QStash holds them."""
    found = await client.qstash.schedule.list()
    return {
        s.schedule_id: PresentSchedule(s.schedule_id, s.destination, s.cron, _body(s.body),
                                       bool(getattr(s, "paused", False)))
        for s in found if s.schedule_id.startswith(PREFIX)
    }


def matches(declared: ScheduleDef, present: PresentSchedule, client: JobClient) -> bool:
    return (present.destination == client.url_for(declared.job)
            and present.cron == declared.qstash_cron
            and present.body == declared.payload.to_json()
            and not present.paused)


async def sync_schedules(client: JobClient, declared: tuple[ScheduleDef, ...]) -> SyncReport:
    """Create what is missing, update what changed, remove ours that are no longer declared.

    Idempotent: a second run reports everything unchanged.
    """
    report = SyncReport()
    present = await present_schedules(client)
    for schedule in declared:
        current = present.get(schedule.id)
        if current is not None and matches(schedule, current, client):
            report.unchanged.append(schedule.id)
            continue
        await client.qstash.schedule.create_json(
            destination=client.url_for(schedule.job),
            cron=schedule.qstash_cron,
            body=schedule.payload.to_json(),
            schedule_id=schedule.id,
            retries=schedule.job.retries,
            timeout=schedule.job.timeout,
        )
        if current is not None and current.paused:
            await client.qstash.schedule.resume(schedule.id)
        (report.updated if current is not None else report.created).append(schedule.id)
    wanted = {s.id for s in declared}
    for schedule_id in sorted(set(present) - wanted):
        await client.qstash.schedule.delete(schedule_id)
        report.removed.append(schedule_id)
    return report


async def compare(client: JobClient, declared: tuple[ScheduleDef, ...]) -> list[dict[str, Any]]:
    """Declared versus present, one row per schedule id (for `prebook schedules list`)."""
    present = await present_schedules(client)
    rows = []
    for schedule in declared:
        current = present.get(schedule.id)
        state = "missing" if current is None else (
            "ok" if matches(schedule, current, client) else "differs")
        rows.append({"id": schedule.id, "job": schedule.job.name, "cron": schedule.qstash_cron,
                     "state": state, "present_cron": current.cron if current else None})
    for schedule_id in sorted(set(present) - {s.id for s in declared}):
        rows.append({"id": schedule_id, "job": None, "cron": None, "state": "not declared",
                     "present_cron": present[schedule_id].cron})
    return rows
