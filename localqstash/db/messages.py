"""Messages: publish (with deduplication), look-up, the scheduler's window, outcomes, cancel."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from localqstash.db import events
from localqstash.db.schema import dumps, insert_message_row, message_from_row, where
from localqstash.models import Attempt, Decision, Message

CANCEL_FILTER_COLUMNS = {
    "messageIds": "id",
    "url": "url",
    "queueName": "queue",
    "scheduleId": "schedule_id",
    "label": "label",
    "callerIp": "caller_ip",
    "fromDate": "created_at",
    "toDate": "created_at",
}


@dataclass(slots=True)
class Draft:
    message: Message
    dedup_key: str | None = None


@dataclass(slots=True)
class Published:
    message_id: str
    deduplicated: bool
    message: Message | None  # set when newly created


def insert(drafts: Sequence[Draft], *, now: int, dedup_window_ms: int) -> Callable[
    [sqlite3.Connection], list[Published]
]:
    def run(conn: sqlite3.Connection) -> list[Published]:
        out: list[Published] = []
        for draft in drafts:
            if draft.dedup_key is not None:
                row = conn.execute(
                    "SELECT message_id FROM dedup WHERE key = ? AND expires > ?",
                    (draft.dedup_key, now),
                ).fetchone()
                if row is not None:
                    out.append(Published(row["message_id"], True, None))
                    continue
                conn.execute(
                    "INSERT OR REPLACE INTO dedup (key, message_id, expires) VALUES (?, ?, ?)",
                    (draft.dedup_key, draft.message.id, now + dedup_window_ms),
                )
            insert_message_row(conn, draft.message)
            events.add(conn, draft.message, "CREATED", now, with_body=True,
                       nextDeliveryTime=draft.message.due)
            out.append(Published(draft.message.id, False, draft.message))
        return out

    return run


def get(message_id: str) -> Callable[[sqlite3.Connection], Message | None]:
    def run(conn: sqlite3.Connection) -> Message | None:
        row = conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        return message_from_row(row) if row is not None else None

    return run


Key = tuple[int, int]  # (due, seq): the order messages go out in
END_OF_TIME = 2**62


@dataclass(slots=True)
class Window:
    """The first pending messages in (due, seq) order, all of those up to `horizon`."""

    keys: list[tuple[int, int, str]]  # (due, seq, id), in order
    loaded: dict[str, Message]  # full rows, for the ids the caller did not already hold
    horizon: Key


def load_window(limit: int, capacity: int,
                known: frozenset[str]) -> Callable[[sqlite3.Connection], Window]:
    """Pending messages due up to `limit`, at most `capacity` of them.

    Uncapped, the horizon is (limit, end of time); capped, it is the key of the last message
    kept, so "every pending message up to the horizon is in the window" stays true however
    many share one due instant. Only ids are read for messages in `known`.
    """

    def run(conn: sqlite3.Connection) -> Window:
        keys = [
            (int(r[0]), int(r[1]), str(r[2]))
            for r in conn.execute(
                "SELECT due, seq, id FROM messages WHERE due <= ? ORDER BY due, seq LIMIT ?",
                (limit, capacity + 1),
            )
        ]
        horizon: Key = (limit, END_OF_TIME)
        if len(keys) > capacity:
            keys = keys[:capacity]
            horizon = (keys[-1][0], keys[-1][1]) if keys else (-1, 0)
        wanted = [seq for _, seq, mid in keys if mid not in known]
        loaded: dict[str, Message] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = conn.execute(
                f"SELECT * FROM messages WHERE seq IN ({','.join('?' * len(chunk))})", chunk)
            for row in rows:
                message = message_from_row(row)
                loaded[message.id] = message
        return Window(keys, loaded, horizon)

    return run


@dataclass(slots=True)
class Recorded:
    applied: bool  # False when the message was cancelled while in flight
    created: list[Message] = field(default_factory=list)


def record_outcome(
    message: Message,
    attempt: Attempt,
    decision: Decision,
    *,
    now: int,
    dlq_id: str,
    follow_ups: Sequence[Message],
) -> Callable[[sqlite3.Connection], Recorded]:
    def run(conn: sqlite3.Connection) -> Recorded:
        if decision.kind == "retry":
            assert decision.next_due is not None
            record = message.to_record()
            record.pop("bodyBase64", None)
            record["retried"] = message.retried + 1
            applied = conn.execute(
                "UPDATE messages SET due = ?, data = ? WHERE id = ?",
                (decision.next_due, dumps(record), message.id),
            ).rowcount > 0
        else:
            applied = conn.execute(
                "DELETE FROM messages WHERE id = ?", (message.id,)
            ).rowcount > 0
        if not applied:
            return Recorded(False)
        response = attempt.response_json()
        events.add(conn, message, "ACTIVE", attempt.fired_at)
        if decision.kind == "delivered":
            events.add(conn, message, "DELIVERED", now, **response)
        else:
            events.add(conn, message, "ERROR", now, error=decision.error, **response)
        if decision.kind == "retry":
            events.add(conn, message, "RETRY", now, nextDeliveryTime=decision.next_due)
        elif decision.kind == "failed":
            events.add(conn, message, "FAILED", now, error=decision.error, **response)
            data = {**message.to_record(), "responseStatus": 0, **response, "dlqId": dlq_id,
                    "error": decision.error}
            conn.execute(
                "INSERT INTO dlq (dlq_id, time, message_id, url, queue, schedule_id, label,"
                " caller_ip, response_status, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (dlq_id, now, message.id, message.url, message.queue, message.schedule_id,
                 message.label, message.caller_ip, attempt.status, dumps(data)),
            )
        for follow_up in follow_ups:
            insert_message_row(conn, follow_up)
            events.add(conn, follow_up, "CREATED", now, with_body=True)
        return Recorded(True, list(follow_ups))

    return run


def cancel(filters: dict[str, Any], *, now: int) -> Callable[[sqlite3.Connection], list[str]]:
    """Delete the matching pending messages (all of them when `filters` is empty)."""

    def run(conn: sqlite3.Connection) -> list[str]:
        clause, params = where(filters, CANCEL_FILTER_COLUMNS)
        rows = conn.execute(f"SELECT * FROM messages{clause}", params).fetchall()
        ids = []
        for row in rows:
            message = message_from_row(row)
            conn.execute("DELETE FROM messages WHERE seq = ?", (row["seq"],))
            events.add(conn, message, "CANCEL_REQUESTED", now)
            events.add(conn, message, "CANCELED", now)
            ids.append(message.id)
        return ids

    return run


def queue_lag(name: str) -> Callable[[sqlite3.Connection], int]:
    def run(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT COUNT(*) AS n FROM messages WHERE queue = ?", (name,))
        return int(row.fetchone()["n"])

    return run


def prune_dedup(now: int) -> Callable[[sqlite3.Connection], int]:
    def run(conn: sqlite3.Connection) -> int:
        return conn.execute("DELETE FROM dedup WHERE expires <= ?", (now,)).rowcount

    return run
