"""What every AimHarder endpoint of the fake box does first and last: refuse, then record.

AimHarder's front refuses some requests before the application sees them: HTTP 403 with an
HTML page for a network location it blocks (AIMHARDER.md f), and, in the fake, for a
request with no `User-Agent` at all (every known client sends one). Each request, refused or
not, lands in `/_fake/requests` with its secrets masked.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fakebox.accounts import User
from fakebox.state import FakeBoxState, RecordedRequest
from fakebox.wire import forbidden, received_at_ns


class AimharderEndpoints:
    def __init__(self, state: FakeBoxState) -> None:
        self.state = state

    def arrived(self, request: Request) -> int:
        return received_at_ns(request, self.state.clock)

    def refused(
        self, request: Request, arrived: int, body_kind: str, body: dict[str, Any]
    ) -> Response | None:
        """The 403 page when geo-blocking is on or the request names no User-Agent."""
        if not self.state.geo_blocked and request.headers.get("user-agent", "").strip():
            return None
        self.record(request, arrived, body_kind, body, None, {"httpStatus": 403})
        return forbidden()

    def record(
        self,
        request: Request,
        arrived: int,
        body_kind: str,
        body: dict[str, Any],
        who: User | str | None,
        answer: dict[str, Any],
    ) -> None:
        email = who.email if isinstance(who, User) else who
        self.state.record(
            RecordedRequest(
                path=request.url.path,
                received_at_ns=arrived,
                body_kind=body_kind,
                body=body,
                email=email,
                answer=answer,
                headers=request.scope["headers"],
            )
        )
