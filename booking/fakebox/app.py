"""The fake AimHarder box as one Starlette app: login domain, every box, and `/_fake` control.

One port serves everything, so the app points `AIMHARDER_LOGIN_URL` at the root and
`AIMHARDER_BOX_URL` at `http://host:port/{subdomain}`.
"""

from __future__ import annotations

import time

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from booking.fakebox.config import FakeBoxConfig
from booking.fakebox.control import ControlRoutes
from booking.fakebox.routes import ARRIVAL_KEY, AimharderRoutes
from booking.fakebox.state import FakeBoxState


class ArrivalStamp:
    """Stamps `time.time_ns()` on each HTTP request as it arrives, before anything awaits.

    The box enforces the booking window against this instant, and `/_fake/requests` reports
    it, so reading the body later cannot make an early request look on time.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault(ARRIVAL_KEY, time.time_ns())  # see booking.fakebox.arrival
        await self.app(scope, receive, send)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "notFound"}, 404)


def create_app(config: FakeBoxConfig | None = None) -> Starlette:
    """A fresh fake box with its own in-memory state (`app.state.fakebox`)."""
    state = FakeBoxState(config or FakeBoxConfig())
    routes = ControlRoutes(state).routes() + AimharderRoutes(state).routes()
    app = Starlette(
        routes=routes,
        middleware=[Middleware(ArrivalStamp)],
        exception_handlers={404: _not_found},
    )
    app.state.fakebox = state
    return app
