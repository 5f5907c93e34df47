"""Sending one attempt: the signed request, prepared ahead, written the instant it is due.

`prepare` does everything that does not depend on the exact firing instant, for messages
about to fall due: it signs the JWT (issued at the due second, so it is valid from the due
instant on and for five minutes) and lays out the request bytes. `fire` then costs one
socket write on a warm connection. https destinations, and anything the minimal client
will not frame, go through httpx instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from functools import lru_cache

import httpx

from localqstash.http1 import Response
from localqstash.models import Attempt, Headers, Message, now_ms
from localqstash.pool import ConnectionFailedError, Origin, Pool, RequestTimeoutError
from localqstash.signing import sign

MAX_RESPONSE_BODY = 64 * 1024
USER_AGENT = "Upstash-QStash"
# Re-sign a prepared request that waited this long (a busy queue): tokens live 300 s.
_RESIGN_AFTER_MS = 120_000
_FRAMING = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass(slots=True)
class Prepared:
    headers: list[tuple[str, str]]
    issued_ms: int
    retried: int
    origin: Origin | None = None  # None: send through httpx
    data: bytes = b""


class Deliverer:
    """Sends attempts: plain http through the warm pool, https through one httpx client."""

    def __init__(self, *, signing_key: str, max_connections: int, default_timeout: float) -> None:
        self._key = signing_key
        self._default_timeout = default_timeout
        self.pool = Pool(max_per_origin=max_connections)
        self._client = httpx.AsyncClient(
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=120.0,
            ),
            follow_redirects=False,
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self.pool.aclose()
        await self._client.aclose()

    def build_headers(self, message: Message, *, issued_ms: int) -> list[tuple[str, str]]:
        headers = [(name, value) for name, values in message.headers.items() for value in values]
        signature = sign(self._key, url=message.url, body=message.body, now=issued_ms / 1000)
        headers += [
            ("Upstash-Signature", signature),
            ("Upstash-Message-Id", message.id),
            ("Upstash-Retried", str(message.retried)),
            ("User-Agent", USER_AGENT),
        ]
        if message.schedule_id is not None:
            headers.append(("Upstash-Schedule-Id", message.schedule_id))
        if message.caller_ip is not None:
            headers.append(("Upstash-Caller-Ip", message.caller_ip))
        return headers

    def prepare(self, message: Message, *, now: int | None = None) -> Prepared:
        """Sign and lay out `message`, to be fired at its due instant or later."""
        current = now if now is not None else now_ms()
        issued = min(message.due, current)
        prepared = Prepared(self.build_headers(message, issued_ms=issued), issued,
                            message.retried)
        target = http_target(message.url)
        if target is None:
            return prepared
        data = _request_bytes(message, target, prepared.headers)
        if data is not None:
            prepared.origin = target.origin
            prepared.data = data
        return prepared

    def fire(self, message: Message, prepared: Prepared | None = None) -> Awaitable[Attempt]:
        """Start the attempt now (the request is written before this returns, when it can)."""
        now = now_ms()
        if (prepared is None or prepared.retried != message.retried
                or now - prepared.issued_ms > _RESIGN_AFTER_MS):
            prepared = self.prepare(message, now=now)
        timeout = (
            message.timeout_ms / 1000 if message.timeout_ms is not None else self._default_timeout
        )
        if prepared.origin is None:
            return self._via_httpx(message, prepared, now, timeout)
        future = self.pool.send(prepared.origin, prepared.data, head=message.method == "HEAD",
                                max_body=MAX_RESPONSE_BODY, timeout=timeout)
        return _collect(future, now)

    async def _via_httpx(self, message: Message, prepared: Prepared, fired_at: int,
                         limit: float) -> Attempt:
        try:
            response = await self._client.request(
                message.method,
                message.url,
                content=message.body,
                headers=prepared.headers,
                timeout=httpx.Timeout(limit, connect=min(limit, 10.0)),
            )
        except httpx.TimeoutException:
            return Attempt(fired_at, error=f"request timed out after {limit:g}s")
        except httpx.HTTPError as exc:
            return Attempt(fired_at, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
        headers: Headers = {}
        for name, value in response.headers.multi_items():
            headers.setdefault(name, []).append(value)
        return Attempt(fired_at, response.status_code, headers,
                       response.content[:MAX_RESPONSE_BODY])


async def _collect(future: asyncio.Future[Response], fired_at: int) -> Attempt:
    try:
        response = await future
    except (ConnectionFailedError, RequestTimeoutError) as exc:
        return Attempt(fired_at, error=str(exc))
    headers: Headers = {}
    for name, value in response.headers:
        headers.setdefault(name.lower(), []).append(value)
    return Attempt(fired_at, response.status, headers, response.body)


@dataclass(frozen=True, slots=True)
class Target:
    origin: Origin
    raw_path: bytes  # path and query, as sent on the request line
    netloc: bytes  # the Host header


@lru_cache(maxsize=4096)
def http_target(url: str) -> Target | None:
    """Where a plain-http URL points; None for https or anything unparsable."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return None
    if parsed.scheme != "http" or not parsed.host:
        return None
    return Target((parsed.host, parsed.port or 80), parsed.raw_path, parsed.netloc)


def _request_bytes(message: Message, target: Target,
                   headers: list[tuple[str, str]]) -> bytes | None:
    """The request as sent on the wire, or None when a header would break the framing."""
    lines = [f"{message.method} ".encode() + target.raw_path + b" HTTP/1.1",
             b"Host: " + target.netloc]
    for name, value in headers:
        if name.lower() in _FRAMING:
            continue
        if any(c in name or c in value for c in "\r\n\0") or not name.isascii():
            return None
        lines.append(f"{name}: {value}".encode())
    if message.body or message.method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: " + str(len(message.body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + message.body
