"""A destination that records every request it gets and answers from a script."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float  # wall clock, seconds


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    sleep: float = 0.0


class Sink:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Received] = []
        self._scripts: dict[str, list[Answer]] = {}
        self.active = 0
        self.max_active = 0
        self.app = Starlette(routes=[
            Route("/{path:path}", self._handle,
                  methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]),
        ])

    def script(self, path: str, *answers: Answer) -> None:
        """Answer the next requests to `path` with `answers`, then 200."""
        with self._lock:
            self._scripts[path] = list(answers)

    async def _handle(self, request: Request) -> Response:
        at = time.time()
        body = await request.body()
        path = "/" + request.path_params["path"]
        with self._lock:
            self.requests.append(Received(
                request.method, path, request.url.query, dict(request.headers), body, at))
            script = self._scripts.get(path) or []
            answer = script.pop(0) if script else Answer()
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            if answer.sleep:
                await asyncio.sleep(answer.sleep)
        finally:
            with self._lock:
                self.active -= 1
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.01)


async def await_for(condition: Callable[[], bool], limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {limit}s")
        await asyncio.sleep(0.01)
