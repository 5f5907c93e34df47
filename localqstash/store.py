"""SQLite on one dedicated thread, with group commit.

Every operation is a plain function of a `sqlite3.Connection`. Operations queued while the
thread is busy run together in one transaction (each under its own savepoint, so one failure
does not undo its neighbours), which keeps publishing fast under load without giving up
"answered means committed".

`on_commit` callbacks run on the event loop in commit order, before the awaiting caller
resumes. The scheduler relies on that order to keep its in-memory window consistent with
the database (see scheduler.py).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("localqstash.store")

_MAX_BATCH = 1000


@dataclass(slots=True)
class _Op:
    fn: Callable[[sqlite3.Connection], Any]
    on_commit: Callable[[Any], None] | None
    future: asyncio.Future[Any]


class StoreClosedError(RuntimeError):
    pass


class Store:
    def __init__(self, path: Path, *, init: Callable[[sqlite3.Connection], None]) -> None:
        self._path = path
        self._init = init
        self._queue: queue.SimpleQueue[_Op | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._closed = False

    async def open(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._worker, name="localqstash-db", daemon=True)
        self._thread.start()
        await asyncio.to_thread(self._ready.wait)
        if self._error is not None:
            raise self._error

    async def close(self) -> None:
        if self._closed or self._thread is None:
            return
        self._closed = True
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join)

    def run(
        self,
        fn: Callable[[sqlite3.Connection], T],
        on_commit: Callable[[T], None] | None = None,
    ) -> asyncio.Future[T]:
        """Queue `fn`; the future resolves once its transaction has committed."""
        if self._closed or self._loop is None:
            raise StoreClosedError("store is closed")
        future: asyncio.Future[T] = self._loop.create_future()
        self._queue.put(_Op(fn, on_commit, future))
        return future

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def _worker(self) -> None:
        try:
            conn = self._connect()
            self._init(conn)
        except BaseException as exc:  # surfaced by open()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        stop = False
        try:
            while not stop:
                first = self._queue.get()
                if first is None:
                    break
                batch = [first]
                while len(batch) < _MAX_BATCH:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop = True
                        break
                    batch.append(nxt)
                self._settle_threadsafe(self._execute(conn, batch))
        finally:
            conn.close()

    def _execute(
        self, conn: sqlite3.Connection, batch: list[_Op]
    ) -> list[tuple[_Op, bool, Any]]:
        results: list[tuple[_Op, bool, Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for op in batch:
                conn.execute("SAVEPOINT op")
                try:
                    value = op.fn(conn)
                except Exception as exc:
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    results.append((op, False, exc))
                else:
                    conn.execute("RELEASE op")
                    results.append((op, True, value))
            conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [(op, False, exc) for op in batch]
        return results

    def _settle_threadsafe(self, results: list[tuple[_Op, bool, Any]]) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(self._settle, results)
        except RuntimeError:  # loop already closed: nobody is waiting any more
            pass

    @staticmethod
    def _settle(results: list[tuple[_Op, bool, Any]]) -> None:
        for op, ok, value in results:
            if ok and op.on_commit is not None:
                try:
                    op.on_commit(value)
                except Exception:
                    log.exception("on_commit callback failed")
            if op.future.done():
                continue
            if ok:
                op.future.set_result(value)
            else:
                op.future.set_exception(value)
