"""The fake box stamps a request when its bytes are parsed, before its handler is scheduled."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from booking.fakebox.arrival import StampingHttpToolsProtocol
from booking.fakebox.routes import ARRIVAL_KEY


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

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope[ARRIVAL_KEY], time.time_ns()))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    config.load()
    protocol = StampingHttpToolsProtocol(config=config, server_state=ServerState(),
                                         app_state={})
    protocol.connection_made(_Transport())
    before = time.time_ns()
    protocol.data_received(b"POST /demo/api/book HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    stamped_while_parsing = time.time_ns()
    await asyncio.sleep(0.05)  # the app runs only now, on the event loop
    assert len(seen) == 1
    arrival, handled = seen[0]
    assert before <= arrival <= stamped_while_parsing < handled
