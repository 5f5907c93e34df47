"""Pure ASGI middleware: request ids for logs and responses, a request body size and time
limit, and `Cache-Control: no-store` where answers are personal.

Pure ASGI (not `BaseHTTPMiddleware`) so websockets pass through untouched, context variables
set here reach the endpoint's task, and bodies are counted as they stream in.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logging import qstash_message_id, request_id

REQUEST_ID_HEADER = "x-request-id"
# A caller's id is kept when it is a plausible id, so it cannot inject text into log lines.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Takes `X-Request-Id` (or makes one), binds it for logs and echoes it in the response;
    binds the QStash message id of a delivery as well."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER.encode())
        rid = given if given and _VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        message_id = _header(scope, b"upstash-message-id")
        rid_token = request_id.set(rid)
        msg_token = qstash_message_id.set(
            message_id if message_id and _VALID_REQUEST_ID.fullmatch(message_id) else None
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != REQUEST_ID_HEADER.encode()]
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            qstash_message_id.reset(msg_token)
            request_id.reset(rid_token)


class BodyTooLargeError(Exception):
    pass


class BodyTooSlowError(Exception):
    pass


class BodyLimitMiddleware:
    """413 for bodies over `max_bytes`, 408 for bodies not received within `timeout_s`, both
    with a JSON error, on the given path prefixes.

    A declared `Content-Length` over the limit is refused before anything is read; a chunked
    body is counted as it arrives and refused once it passes the limit. The time limit covers
    the whole body, so a client trickling a byte a second cannot hold a request open.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, prefixes: Sequence[str],
                 timeout_s: float = 10.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefixes = tuple(prefixes)
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, 413, f"request body larger than {self.max_bytes} bytes")
            return
        received = 0
        started = complete = False
        deadline = asyncio.get_running_loop().time() + self.timeout_s

        async def counting_receive() -> Message:
            nonlocal received, complete
            if complete:  # later calls wait for a disconnect: no deadline on those
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlowError from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
                complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await self._refuse(send, 413, f"request body larger than {self.max_bytes} bytes")
        except BodyTooSlowError:
            if not started:
                await self._refuse(send, 408, f"request body not received in {self.timeout_s:g} s")

    async def _refuse(self, send: Send, status: int, error: str) -> None:
        body = json.dumps({"error": error}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer under the given paths: GraphQL answers are one
    user's data, which no shared or browser cache may keep."""

    def __init__(self, app: ASGIApp, *, paths: Sequence[str]) -> None:
        self.app = app
        self.paths = tuple(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).rstrip("/") not in self.paths:
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"cache-control"]
                headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)
