"""Helpers for job tests: enqueue through localqstash, reach the app's database directly."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
from qstash import AsyncQStash, QStash

from jobs.client import JobClient
from jobs.payloads import Payload
from jobs.registry import JobDef
from localqstash import DEV_TOKEN
from tests.stack import Stack


def job_client(stack: Stack) -> JobClient:
    return JobClient(AsyncQStash(DEV_TOKEN, base_url=stack.qstash.url),
                     public_url=stack.settings.server.public_url)


def qstash(stack: Stack) -> QStash:
    return QStash(DEV_TOKEN, base_url=stack.qstash.url)


def enqueue(stack: Stack, job: JobDef[Any], payload: Payload, **options: Any) -> str:
    """Publish a job now through localqstash; it is delivered to the app's route."""
    return asyncio.run(job_client(stack).enqueue(job, payload, **options))


def query(stack: Stack, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run SQL on the app's database directly (SQLite or PostgreSQL); `?` placeholders.

    Datetimes are passed as Tortoise stores them on SQLite (text) and as values on PostgreSQL.
    """
    url = stack.settings.server.database_url
    if url.startswith("sqlite://"):
        params = [str(a) if isinstance(a, datetime) else a for a in args]
        with sqlite3.connect(url.removeprefix("sqlite://"), timeout=10,
                             isolation_level=None) as conn:
            return conn.execute(sql, params).fetchall()
    numbered = re.sub(r"\?", lambda _m, n=iter(range(1, 100)): f"${next(n)}", sql)

    async def run() -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await conn.fetch(
                numbered, *[str(a) if isinstance(a, uuid.UUID) else a for a in args])]
        finally:
            await conn.close()

    return asyncio.run(run())


def as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def eventually(check: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s (last: {value!r})")
        time.sleep(0.1)


def raw_id(node_id: str) -> str:
    import base64

    return base64.b64decode(node_id).decode().split(":", 1)[1]
