"""The dead-letter queue: listing with filters and a cursor, look-up, deletion, retry."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from localqstash.db import events
from localqstash.db.schema import insert_message_row, where
from localqstash.models import Message, new_id

FILTER_COLUMNS = {
    "dlqIds": "dlq_id",
    "messageId": "message_id",
    "url": "url",
    "queueName": "queue",
    "scheduleId": "schedule_id",
    "label": "label",
    "callerIp": "caller_ip",
    "responseStatus": "response_status",
    "fromDate": "time",
    "toDate": "time",
}


def _entry(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    body = Message.from_record(data).to_json()
    for key in ("body", "bodyBase64"):
        data.pop(key, None)
    data.update({k: v for k, v in body.items() if k in ("body", "bodyBase64")})
    data.pop("due", None)
    data.pop("timeoutMs", None)
    return data


def listing(filters: dict[str, Any], cursor: int | None, count: int) -> Callable[
    [sqlite3.Connection], tuple[list[dict[str, Any]], str | None]
]:
    def run(conn: sqlite3.Connection) -> tuple[list[dict[str, Any]], str | None]:
        clause, params = where(filters, FILTER_COLUMNS)
        if cursor is not None:
            clause += (" AND" if clause else " WHERE") + " seq < ?"
            params.append(cursor)
        rows = conn.execute(
            f"SELECT seq, data FROM dlq{clause} ORDER BY seq DESC LIMIT ?", [*params, count + 1]
        ).fetchall()
        more = len(rows) > count
        rows = rows[:count]
        next_cursor = str(rows[-1]["seq"]) if more and rows else None
        return [_entry(row["data"]) for row in rows], next_cursor

    return run


def get(dlq_id: str) -> Callable[[sqlite3.Connection], dict[str, Any] | None]:
    def run(conn: sqlite3.Connection) -> dict[str, Any] | None:
        row = conn.execute("SELECT data FROM dlq WHERE dlq_id = ?", (dlq_id,)).fetchone()
        return _entry(row["data"]) if row is not None else None

    return run


def delete(filters: dict[str, Any]) -> Callable[[sqlite3.Connection], int]:
    def run(conn: sqlite3.Connection) -> int:
        clause, params = where(filters, FILTER_COLUMNS)
        return conn.execute(f"DELETE FROM dlq{clause}", params).rowcount

    return run


def retry(filters: dict[str, Any], *, now: int) -> Callable[[sqlite3.Connection], list[Message]]:
    """Move matching entries back into delivery as new messages with fresh retries."""

    def run(conn: sqlite3.Connection) -> list[Message]:
        clause, params = where(filters, FILTER_COLUMNS)
        rows = conn.execute(f"SELECT seq, data FROM dlq{clause} ORDER BY seq", params).fetchall()
        out = []
        for row in rows:
            message = Message.from_record(json.loads(row["data"]))
            message.id = new_id("msg")
            message.retried = 0
            message.created_at = message.not_before = message.due = now
            insert_message_row(conn, message)
            events.add(conn, message, "CREATED", now, with_body=True)
            conn.execute("DELETE FROM dlq WHERE seq = ?", (row["seq"],))
            out.append(message)
        return out

    return run
