"""Queues: upsert, look-up, listing, deletion."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from localqstash.models import Queue


def _from_row(row: sqlite3.Row) -> Queue:
    return Queue(row["name"], row["parallelism"], bool(row["paused"]), row["created_at"],
                 row["updated_at"])


def upsert(name: str, *, parallelism: int | None, paused: bool | None,
           now: int) -> Callable[[sqlite3.Connection], Queue]:
    """Create the queue or change the given fields; `None` keeps what is there."""

    def run(conn: sqlite3.Connection) -> Queue:
        row = conn.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
        queue = _from_row(row) if row is not None else Queue(name, 1, False, now, now)
        if parallelism is not None:
            queue.parallelism = parallelism
        if paused is not None:
            queue.paused = paused
        queue.updated_at = now
        conn.execute(
            "INSERT OR REPLACE INTO queues (name, parallelism, paused, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (queue.name, queue.parallelism, int(queue.paused), queue.created_at, now),
        )
        return queue

    return run


def ensure(name: str, *, now: int) -> Callable[[sqlite3.Connection], Queue]:
    def run(conn: sqlite3.Connection) -> Queue:
        row = conn.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return _from_row(row)
        return upsert(name, parallelism=None, paused=None, now=now)(conn)

    return run


def get(name: str) -> Callable[[sqlite3.Connection], tuple[Queue, int] | None]:
    def run(conn: sqlite3.Connection) -> tuple[Queue, int] | None:
        row = conn.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        lag = conn.execute("SELECT COUNT(*) FROM messages WHERE queue = ?", (name,)).fetchone()
        return _from_row(row), int(lag[0])

    return run


def list_all(conn: sqlite3.Connection) -> list[tuple[Queue, int]]:
    rows = conn.execute("SELECT * FROM queues ORDER BY name").fetchall()
    lags = dict(conn.execute(
        "SELECT queue, COUNT(*) FROM messages WHERE queue IS NOT NULL GROUP BY queue"
    ).fetchall())
    return [(_from_row(row), int(lags.get(row["name"], 0))) for row in rows]


def delete(name: str) -> Callable[[sqlite3.Connection], bool]:
    def run(conn: sqlite3.Connection) -> bool:
        return conn.execute("DELETE FROM queues WHERE name = ?", (name,)).rowcount > 0

    return run
