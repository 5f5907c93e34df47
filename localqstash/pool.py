"""Keep-alive connections to plain-http destinations, opened ahead of the instant they are due.

httpx costs about 1.4 ms of CPU per request, more under concurrency, and a cold connection
adds a handshake. Here a request whose bytes were prepared ahead of time is written straight
onto an idle, already-open connection, synchronously, in the timer callback that found it
due: the first bytes leave within microseconds of the due instant. `warm` opens connections
shortly before a burst, sized to what falls due.
"""

from __future__ import annotations

import asyncio
import time
from typing import cast

from localqstash.http1 import ProtocolError, Response, ResponseParser

Origin = tuple[str, int]


class ConnectionFailedError(Exception):
    """Connecting failed, or the connection broke before a complete response."""


class RequestTimeoutError(Exception):
    pass


class _Connection(asyncio.Protocol):
    def __init__(self, pool: Pool, origin: Origin) -> None:
        self._pool = pool
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._parser: ResponseParser | None = None
        self._waiter: asyncio.Future[Response] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def send(self, data: bytes, *, head: bool, max_body: int) -> asyncio.Future[Response]:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        self._parser = ResponseParser(head=head, max_body=max_body)
        self.transport.write(data)
        return self._waiter

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._parser is None or self._waiter is None:
            self.abort()  # bytes nobody asked for: the connection is not usable
            return
        try:
            response = self._parser.feed(data)
        except ProtocolError as exc:
            self._fail(ConnectionFailedError(f"protocol error: {exc}"))
            self.abort()
            return
        if response is not None:
            self._finish(response)

    def eof_received(self) -> bool | None:
        if self._parser is not None:
            response = self._parser.eof()
            if response is not None:
                self._finish(response)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._pool._forget(self)
        started = self._parser is not None and self._parser.started
        if self._waiter is not None and not self._waiter.done():
            error = ConnectionFailedError(f"connection closed{': ' + str(exc) if exc else ''}")
            # A reused connection closed by the server before any answer: stale keep-alive.
            error.stale = self.reused and not started  # type: ignore[attr-defined]
            self._waiter.set_exception(error)

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    def _finish(self, response: Response) -> None:
        waiter, self._waiter, self._parser = self._waiter, None, None
        if waiter is not None and not waiter.done():
            waiter.set_result(response)
        if response.keep_alive and not self.closed:
            self.reused = True
            self._pool._release(self)
        else:
            self.abort()


class Pool:
    """Idle connections per (host, port); at most `max_per_origin` open to each."""

    def __init__(self, *, max_per_origin: int, idle_seconds: float = 30.0,
                 connect_timeout: float = 10.0) -> None:
        self._max = max_per_origin
        self._idle_seconds = idle_seconds
        self._connect_timeout = connect_timeout
        self._idle: dict[Origin, list[_Connection]] = {}
        self._open: dict[Origin, int] = {}
        self._connecting: dict[Origin, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def idle(self, origin: Origin) -> int:
        return len(self._idle.get(origin, ()))

    def warm(self, origin: Origin, wanted: int) -> None:
        """Open connections in the background until `wanted` are open or opening."""
        have = self._open.get(origin, 0) + self._connecting.get(origin, 0)
        for _ in range(min(wanted, self._max) - have):
            self._connecting[origin] = self._connecting.get(origin, 0) + 1
            self._spawn(self._warm_one(origin))

    def send(self, origin: Origin, data: bytes, *, head: bool, max_body: int,
             timeout: float) -> asyncio.Future[Response]:
        """Write now on an idle connection if there is one; the future gets the response."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[Response] = loop.create_future()
        conn = self._take(origin)
        if conn is not None:
            self._attach(conn, data, head, max_body, result, retry=True)
        else:
            self._spawn(self._send_fresh(origin, data, head, max_body, result))
        handle = loop.call_later(timeout, self._expire, result, timeout)
        result.add_done_callback(lambda _: handle.cancel())
        return result

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for conns in self._idle.values():
            for conn in conns:
                conn.abort()
        self._idle.clear()

    # -- internals -----------------------------------------------------------------------

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, origin: Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, conn = await loop.create_connection(lambda: _Connection(self, origin), *origin)
        except TimeoutError:
            raise ConnectionFailedError(f"connect to {origin[0]}:{origin[1]} timed out") from None
        except OSError as exc:
            raise ConnectionFailedError(f"connect to {origin[0]}:{origin[1]}: {exc}") from None
        self._open[origin] = self._open.get(origin, 0) + 1
        return conn

    async def _warm_one(self, origin: Origin) -> None:
        try:
            conn = await self._connect(origin)
        except ConnectionFailedError:
            return
        finally:
            self._connecting[origin] -= 1
        self._release(conn)

    async def _send_fresh(self, origin: Origin, data: bytes, head: bool, max_body: int,
                          result: asyncio.Future[Response]) -> None:
        try:
            conn = await self._connect(origin)
        except ConnectionFailedError as exc:
            if not result.done():
                result.set_exception(exc)
            return
        if result.done():  # timed out while connecting
            self._release(conn)
            return
        self._attach(conn, data, head, max_body, result, retry=False)

    def _attach(self, conn: _Connection, data: bytes, head: bool, max_body: int,
                result: asyncio.Future[Response], *, retry: bool) -> None:
        inner = conn.send(data, head=head, max_body=max_body)

        def settle(done: asyncio.Future[Response]) -> None:
            if result.done():
                return
            exc = done.exception()
            if exc is None:
                result.set_result(done.result())
            elif retry and getattr(exc, "stale", False):
                self._spawn(self._send_fresh(conn.origin, data, head, max_body, result))
            else:
                result.set_exception(exc)

        inner.add_done_callback(settle)
        # A caller giving up (timeout, cancel) leaves the connection mid-request: drop it.
        result.add_done_callback(lambda r: conn.abort() if not inner.done() else None)

    def _expire(self, result: asyncio.Future[Response], timeout: float) -> None:
        if not result.done():
            result.set_exception(RequestTimeoutError(f"request timed out after {timeout:g}s"))

    def _take(self, origin: Origin) -> _Connection | None:
        conns = self._idle.get(origin)
        cutoff = time.monotonic() - self._idle_seconds
        while conns:
            conn = conns.pop()
            if not conn.closed and conn.idle_since >= cutoff:
                return conn
            conn.abort()
        return None

    def _release(self, conn: _Connection) -> None:
        if conn.closed:
            return
        conn.idle_since = time.monotonic()
        conns = self._idle.setdefault(conn.origin, [])
        if len(conns) >= self._max:
            conn.abort()
            return
        conns.append(conn)

    def _forget(self, conn: _Connection) -> None:
        self._open[conn.origin] = max(0, self._open.get(conn.origin, 0) - 1)
        conns = self._idle.get(conn.origin)
        if conns and conn in conns:
            conns.remove(conn)
