"""The Starlette application: routes, auth, errors, and a lifespan that owns the services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware

from localqstash.auth import BearerAuth
from localqstash.config import LocalQStashConfig
from localqstash.errors import EXCEPTION_HANDLERS
from localqstash.routes import dlq, events, keys, messages, queues, schedules
from localqstash.services import Services


def create_app(config: LocalQStashConfig) -> Starlette:
    """A localqstash server for `config`; nothing starts until the lifespan runs.

    Start-up opens the SQLite store and arms the delivery timer (messages that fell due
    while the server was down go out at once). Shutdown gives in-flight deliveries a short
    grace and leaves the rest pending in the database, to be delivered after the next start.
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        svc = await Services.start(config)
        app.state.services = svc
        try:
            yield
        finally:
            await svc.stop()

    routes = [
        *messages.ROUTES,
        *keys.ROUTES,
        *events.ROUTES,
        *dlq.ROUTES,
        *schedules.ROUTES,
        *queues.ROUTES,
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(BearerAuth, token=config.token)],
        exception_handlers=EXCEPTION_HANDLERS,
    )
