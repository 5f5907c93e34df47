"""A booking request held on its own open connection, so firing it is one socket write.

At the opening instant httpx would spend a few hundred microseconds of Python per request
(pool bookkeeping, header encoding, several event-loop round trips) before the bytes leave;
with a hundred requests due at once that becomes tens of milliseconds of spread. A `Shot`
does all of that beforehand: the connection is open (TLS handshake included), the request is
serialised to bytes, and `fire()` is a synchronous `transport.write`. Answers are read with
h11 afterwards, when nothing is time-critical any more.
"""

from __future__ import annotations

import asyncio
import ssl
import time

import h11
import httpx

from booking.aimharder.errors import UpstreamUnavailableError
from booking.aimharder.tunnel import open_stream
from booking.outcomes import BookAnswer

ANSWER_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0
_READ_CHUNK = 65536


def serialise(request: httpx.Request) -> bytes:
    """The request as HTTP/1.1 bytes on a keep-alive connection (body already read)."""
    conn = h11.Connection(our_role=h11.CLIENT)
    headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"connection"]
    headers.append((b"Connection", b"keep-alive"))
    body = request.content
    raw = conn.send(h11.Request(method=request.method, target=request.url.raw_path,
                                headers=headers))
    assert raw is not None
    if body:
        raw += conn.send(h11.Data(data=body)) or b""
    raw += conn.send(h11.EndOfMessage()) or b""
    return raw


class Shot:
    """One prepared booking request on its own connection: `open`, `fire`, `answer`."""

    def __init__(self, request: httpx.Request, *, ssl_context: ssl.SSLContext | None = None,
                 answer_timeout_s: float = ANSWER_TIMEOUT_S, proxy: str | None = None) -> None:
        self.request = request
        self._bytes = serialise(request)
        self._ssl = ssl_context
        self._proxy = proxy
        self._timeout = answer_timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reusable = False
        self._opened_at = 0.0
        self.sent_at_ns: int | None = None

    @property
    def is_open(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def open(self, *, max_age_s: float | None = None) -> None:
        """Connect (and shake hands) now, so the send at the instant is only a write.

        An open connection older than `max_age_s` is replaced: a server's keep-alive timeout
        could otherwise close it at the very instant it is needed.
        """
        fresh = max_age_s is None or time.monotonic() - self._opened_at < max_age_s
        if fresh and self.is_open and self._reader is not None and not self._reader.at_eof():
            return
        self.close()
        url = self.request.url
        tls = url.scheme == "https"
        port = url.port or (443 if tls else 80)
        context = (self._ssl or httpx.create_ssl_context()) if tls else None
        try:
            self._reader, self._writer = await open_stream(
                url.host, port, tls=context, proxy=self._proxy, connect_timeout_s=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise UpstreamUnavailableError(f"AimHarder booking connect failed: {exc!r}") from None
        self._opened_at = time.monotonic()
        self._reusable = False

    def fire(self) -> int:
        """Hand the request to the kernel; returns the send time (ns). Never awaits."""
        if self._writer is None or self._writer.is_closing():
            raise UpstreamUnavailableError("AimHarder booking connection is not open")
        self.sent_at_ns = time.time_ns()
        self._writer.write(self._bytes)
        return self.sent_at_ns

    async def answer(self) -> BookAnswer:
        """Read the answer to the last `fire()`; every HTTP answer becomes a `BookAnswer`."""
        sent = self.sent_at_ns if self.sent_at_ns is not None else time.time_ns()
        try:
            status, headers, body = await asyncio.wait_for(self._read(), self._timeout)
        except (OSError, TimeoutError, h11.ProtocolError, EOFError) as exc:
            self.close()
            kind = "timed out" if isinstance(exc, TimeoutError) else "failed"
            raise UpstreamUnavailableError(
                f"AimHarder booking {kind}: {type(exc).__name__}", sent_at_ns=sent
            ) from None
        return BookAnswer.parse(status, body, sent_at_ns=sent, received_at_ns=time.time_ns(),
                                date_header=headers.get("date"),
                                content_type=headers.get("content-type"))

    async def _read(self) -> tuple[int, dict[str, str], bytes]:
        assert self._reader is not None
        conn = h11.Connection(our_role=h11.CLIENT)
        conn.send(h11.Request(method=self.request.method, target=self.request.url.raw_path,
                              headers=[("Host", self.request.url.netloc.decode())]))
        conn.send(h11.EndOfMessage())
        status, headers, chunks = 0, {}, []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await self._reader.read(_READ_CHUNK)
                if not data:
                    raise EOFError("connection closed before the answer ended")
                conn.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
                headers = {k.decode().lower(): v.decode("latin-1") for k, v in event.headers}
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self._reusable = conn.their_state is h11.DONE and conn.our_state is h11.DONE
                return status, headers, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                raise EOFError("connection closed before the answer")

    async def rearm(self) -> None:
        """Ready to fire the same request again (a "too early" retry): reuse or reconnect."""
        if not self._reusable or not self.is_open:
            self.close()
            await self.open()
        self.sent_at_ns = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
        self._reusable = False
