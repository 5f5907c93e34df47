"""Helpers for job tests: enqueue through localqstash, reach the app's database directly."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from qstash import AsyncQStash, QStash

from jobs.client import JobClient
from jobs.payloads import Payload
from jobs.registry import JobDef
from localqstash import DEV_TOKEN
from tests.stack import Stack


def job_client(stack: Stack) -> JobClient:
    return JobClient(AsyncQStash(DEV_TOKEN, base_url=stack.qstash.url),
                     public_url=stack.settings.public_url)


def qstash(stack: Stack) -> QStash:
    return QStash(DEV_TOKEN, base_url=stack.qstash.url)


def enqueue(stack: Stack, job: JobDef[Any], payload: Payload, **options: Any) -> str:
    """Publish a job now through localqstash; it is delivered to the app's route."""
    return asyncio.run(job_client(stack).enqueue(job, payload, **options))


def db(stack: Stack) -> sqlite3.Connection:
    path = stack.settings.database_url.removeprefix("sqlite://")
    return sqlite3.connect(path, timeout=10, isolation_level=None)


def query(stack: Stack, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with db(stack) as conn:
        return conn.execute(sql, args).fetchall()


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
