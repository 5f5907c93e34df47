"""The fake AimHarder as one Starlette app: login and account hosts, every box, `/_fake` control.

One port serves everything, so the client under test points `AIMHARDER_LOGIN_URL` and
`AIMHARDER_ACCOUNT_URL` at the root and `AIMHARDER_BOX_URL` at `http://host:port/{subdomain}`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from fakebox.account_routes import AccountRoutes
from fakebox.accounts import Clock
from fakebox.box_routes import BoxRoutes
from fakebox.config import FakeBoxConfig
from fakebox.control import ControlRoutes
from fakebox.state import FakeBoxState
from fakebox.wire import ARRIVAL_KEY


class ArrivalStamp:
    """Stamps the clock's reading on each HTTP request as it arrives, before anything awaits.

    The box enforces the booking window against this instant, and `/_fake/requests` reports
    it, so reading the body later cannot make an early request look on time. Requests already
    stamped by the server's parser (`fakebox.arrival`) keep that earlier stamp.
    """

    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ARRIVAL_KEY not in scope:
            scope[ARRIVAL_KEY] = self.clock()
        await self.app(scope, receive, send)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "notFound"}, 404)


def create_app(config: FakeBoxConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """A fresh fake box with its own in-memory state (`app.state.fakebox`).

    `clock` (nanoseconds since the epoch, default `time.time_ns`) is the box's only source of
    time: arrival stamps, booking windows, session and refresh-token expiry. Tests inject one
    to reach any instant without sleeping.
    """
    state = FakeBoxState(config or FakeBoxConfig(), clock)
    routes = (
        ControlRoutes(state).routes() + AccountRoutes(state).routes() + BoxRoutes(state).routes()
    )
    app = Starlette(
        routes=routes,
        middleware=[Middleware(ArrivalStamp, clock=state.clock)],
        exception_handlers={404: _not_found},
    )
    app.state.fakebox = state
    return app
