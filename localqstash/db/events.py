"""The event log behind `GET /v2/events` and `/v2/logs`."""

from __future__ import annotations

import base64
import json
import sqlite3
from typing import Any

from localqstash.db.schema import dumps, where
from localqstash.models import Message

FILTER_COLUMNS = {
    "messageId": "message_id",
    "messageIds": "message_id",
    "state": "state",
    "url": "url",
    "queueName": "queue",
    "scheduleId": "schedule_id",
    "label": "label",
    "fromDate": "time",
    "toDate": "time",
}


def add(
    conn: sqlite3.Connection,
    message: Message,
    state: str,
    time: int,
    *,
    with_body: bool = False,
    **extra: Any,
) -> None:
    data: dict[str, Any] = {
        "time": time,
        "messageId": message.id,
        "state": state,
        "url": message.url,
        "method": message.method,
        "header": message.headers,
        "maxRetries": message.max_retries,
    }
    optional = {
        "queueName": message.queue,
        "scheduleId": message.schedule_id,
        "label": message.label,
        "callback": message.callback,
        "failureCallback": message.failure_callback,
        "retryDelayExpr": message.retry_delay,
        "timeout": message.timeout_ms // 1000 if message.timeout_ms is not None else None,
        "body": base64.b64encode(message.body).decode() if with_body and message.body else None,
    }
    data.update({k: v for k, v in optional.items() if v is not None})
    data.update({k: v for k, v in extra.items() if v is not None})
    conn.execute(
        "INSERT INTO events (time, message_id, state, url, queue, schedule_id, label, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (time, message.id, state, message.url, message.queue, message.schedule_id,
         message.label, dumps(data)),
    )


def listing(
    filters: dict[str, Any], cursor: int | None, count: int
) -> Any:
    def run(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], str | None]:
        clause, params = where(filters, FILTER_COLUMNS)
        if cursor is not None:
            clause += (" AND" if clause else " WHERE") + " seq < ?"
            params.append(cursor)
        rows = conn.execute(
            f"SELECT seq, data FROM events{clause} ORDER BY seq DESC LIMIT ?",
            [*params, count + 1],
        ).fetchall()
        more = len(rows) > count
        rows = rows[:count]
        next_cursor = str(rows[-1]["seq"]) if more and rows else None
        return [json.loads(row["data"]) for row in rows], next_cursor

    return run


def prune(before: int) -> Any:
    def run(conn: sqlite3.Connection) -> int:
        return conn.execute("DELETE FROM events WHERE time < ?", (before,)).rowcount

    return run
