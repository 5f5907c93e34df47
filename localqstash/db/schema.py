"""Tables and the row <-> record conversions shared by the operations."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from localqstash.models import Message

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    due         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    url         TEXT NOT NULL,
    queue       TEXT,
    schedule_id TEXT,
    label       TEXT,
    caller_ip   TEXT,
    data        TEXT NOT NULL,
    body        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (due, seq);
CREATE INDEX IF NOT EXISTS messages_queue ON messages (queue);

CREATE TABLE IF NOT EXISTS dedup (
    key        TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    expires    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    time        INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL,
    url         TEXT,
    queue       TEXT,
    schedule_id TEXT,
    label       TEXT,
    data        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_message ON events (message_id);
CREATE INDEX IF NOT EXISTS events_time ON events (time);

CREATE TABLE IF NOT EXISTS dlq (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    dlq_id          TEXT NOT NULL UNIQUE,
    time            INTEGER NOT NULL,
    message_id      TEXT NOT NULL,
    url             TEXT,
    queue           TEXT,
    schedule_id     TEXT,
    label           TEXT,
    caller_ip       TEXT,
    response_status INTEGER,
    data            TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS schedules (
    id   TEXT PRIMARY KEY,
    data TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS queues (
    name        TEXT PRIMARY KEY,
    parallelism INTEGER NOT NULL,
    paused      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
"""


def init(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def message_from_row(row: sqlite3.Row) -> Message:
    data = json.loads(row["data"])
    message = Message.from_record(data)
    message.body = bytes(row["body"])
    message.due = int(row["due"])
    message.seq = int(row["seq"])
    return message


def insert_message_row(conn: sqlite3.Connection, message: Message) -> None:
    record = message.to_record()
    record.pop("bodyBase64", None)
    cursor = conn.execute(
        "INSERT INTO messages (id, due, created_at, url, queue, schedule_id, label, caller_ip,"
        " data, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            message.id,
            message.due,
            message.created_at,
            message.url,
            message.queue,
            message.schedule_id,
            message.label,
            message.caller_ip,
            dumps(record),
            message.body,
        ),
    )
    message.seq = int(cursor.lastrowid or 0)


def where(filters: dict[str, Any], columns: dict[str, str]) -> tuple[str, list[Any]]:
    """`WHERE` clause for equality filters (lists mean IN) and `fromDate`/`toDate` on time."""
    clauses: list[str] = []
    params: list[Any] = []
    for key, value in filters.items():
        if value is None or value == [] or key not in columns:
            continue
        column = columns[key]
        if key == "fromDate":
            clauses.append(f"{column} >= ?")
            params.append(int(value))
        elif key == "toDate":
            clauses.append(f"{column} <= ?")
            params.append(int(value))
        elif isinstance(value, list):
            clauses.append(f"{column} IN ({','.join('?' * len(value))})")
            params.extend(value)
        else:
            clauses.append(f"{column} = ?")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params
