"""Schedules: upsert, look-up, listing, deletion and their firing record."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from localqstash.db import events
from localqstash.db.schema import dumps, insert_message_row
from localqstash.models import Message, Schedule


def _encode(schedule: Schedule) -> str:
    return dumps({
        "cron": schedule.cron,
        "template": schedule.template.to_record(),
        "delayMs": schedule.delay_ms,
        "createdAt": schedule.created_at,
        "paused": schedule.paused,
        "lastTime": schedule.last_time,
        "nextTime": schedule.next_time,
    })


def _decode(schedule_id: str, text: str) -> Schedule:
    data = json.loads(text)
    return Schedule(
        id=schedule_id,
        cron=data["cron"],
        template=Message.from_record(data["template"]),
        delay_ms=data["delayMs"],
        created_at=data["createdAt"],
        paused=data["paused"],
        last_time=data["lastTime"],
        next_time=data["nextTime"],
    )


def upsert(schedule: Schedule) -> Callable[[sqlite3.Connection], Schedule]:
    """Insert or replace; an update keeps the original creation time."""

    def run(conn: sqlite3.Connection) -> Schedule:
        row = conn.execute("SELECT data FROM schedules WHERE id = ?", (schedule.id,)).fetchone()
        if row is not None:
            old = _decode(schedule.id, row["data"])
            schedule.created_at = old.created_at
            schedule.last_time = old.last_time
        conn.execute(
            "INSERT OR REPLACE INTO schedules (id, data) VALUES (?, ?)",
            (schedule.id, _encode(schedule)),
        )
        return schedule

    return run


def save(schedule: Schedule) -> Callable[[sqlite3.Connection], bool]:
    def run(conn: sqlite3.Connection) -> bool:
        return conn.execute(
            "UPDATE schedules SET data = ? WHERE id = ?", (_encode(schedule), schedule.id)
        ).rowcount > 0

    return run


def get(schedule_id: str) -> Callable[[sqlite3.Connection], Schedule | None]:
    def run(conn: sqlite3.Connection) -> Schedule | None:
        row = conn.execute("SELECT data FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
        return _decode(schedule_id, row["data"]) if row is not None else None

    return run


def list_all(conn: sqlite3.Connection) -> list[Schedule]:
    rows = conn.execute("SELECT id, data FROM schedules ORDER BY id").fetchall()
    return [_decode(row["id"], row["data"]) for row in rows]


def delete(schedule_id: str) -> Callable[[sqlite3.Connection], bool]:
    def run(conn: sqlite3.Connection) -> bool:
        return conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,)).rowcount > 0

    return run


def fire(schedule: Schedule, message: Message, *, now: int) -> Callable[
    [sqlite3.Connection], Message | None
]:
    """Record one firing and create its message, unless the schedule is gone meanwhile."""

    def run(conn: sqlite3.Connection) -> Message | None:
        if conn.execute("SELECT 1 FROM schedules WHERE id = ?", (schedule.id,)).fetchone() is None:
            return None
        conn.execute(
            "UPDATE schedules SET data = ? WHERE id = ?", (_encode(schedule), schedule.id)
        )
        insert_message_row(conn, message)
        events.add(conn, message, "CREATED", now, with_body=True, nextDeliveryTime=message.due)
        return message

    return run
