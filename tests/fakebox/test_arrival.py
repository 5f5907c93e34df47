"""The fake box stamps a request when its bytes are parsed, before its handler is scheduled."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from fakebox.arrival import StampingHttpToolsProtocol
from fakebox.wire import ARRIVAL_KEY


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8090)}.get(
            name, default)

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.written += data

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def close(self) -> None: ...


async def test_the_stamp_is_taken_in_data_received() -> None:
    seen: list[tuple[int, int]] = []
    handled = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope[ARRIVAL_KEY], time.time_ns()))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        handled.set()

    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    config.load()
    protocol = StampingHttpToolsProtocol(config=config, server_state=ServerState(),
                                         app_state={})
    transport = _Transport()
    protocol.connection_made(transport)
    before = time.time_ns()
    protocol.data_received(b"POST /demo/api/book HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    parsed = time.time_ns()
    assert seen == []  # the app has not run yet: it is a task on the event loop
    await asyncio.wait_for(handled.wait(), 10)
    assert len(seen) == 1
    arrival, in_app = seen[0]
    assert before <= arrival <= parsed <= in_app
    assert transport.written.startswith(b"HTTP/1.1 204")
