"""Bearer-token check for every request, as QStash does."""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from localqstash.errors import error_response


class BearerAuth:
    def __init__(self, app: ASGIApp, *, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                supplied = value
                break
        if not supplied:
            response = error_response(401, "authorization header is missing")
        elif not hmac.compare_digest(supplied, self._expected):
            response = error_response(401, "invalid token")
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
