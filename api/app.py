"""The app factory: nothing is created at import time; the lifespan owns every client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from qstash import AsyncQStash, Receiver
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from tortoise import Tortoise

from api.graphql import GraphQLApp
from api.settings import Settings
from booking.aimharder import AimharderClient
from booking.events import PrebookingEvents
from booking.services import Services, Timing
from jobs.catalog import build_registry
from jobs.client import JobClient
from jobs.delivery import delivery_route
from models.config import tortoise_config
from models.encryption import Vault
from schema import build_schema

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Connections to the box are opened ahead of the instant and kept; the pool must hold one per
# prebooking firing at the same instant.
AIMHARDER_LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=512,
                                keepalive_expiry=60)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings) -> Starlette:
    registry = build_registry()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await Tortoise.init(config=tortoise_config(settings.database_url),
                            _enable_global_fallback=True)
        http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0),
                                 limits=AIMHARDER_LIMITS, follow_redirects=False)
        qstash = AsyncQStash(settings.qstash_token.__str__(), base_url=settings.qstash_url)
        app.state.services = Services(
            aimharder=AimharderClient(
                http=http, login_url=settings.aimharder_login_url,
                box_url_template=settings.aimharder_box_url,
            ),
            jobs=JobClient(qstash, public_url=settings.public_url),
            vault=Vault(str(settings.secret_key)),
            events=PrebookingEvents(),
            timing=Timing(
                lead_seconds=settings.lead_seconds,
                fire_offset_ms=settings.fire_offset_ms,
                too_early_window_ms=settings.too_early_window_ms,
            ),
            qstash_enabled=settings.qstash_enabled,
        )
        try:
            yield
        finally:
            await http.aclose()
            await Tortoise.close_connections()

    receiver = Receiver(
        current_signing_key=str(settings.qstash_current_signing_key),
        next_signing_key=str(settings.qstash_next_signing_key),
    )
    graphql = GraphQLApp(
        build_schema(),
        jwt_secret=str(settings.auth_jwt_secret),
        graphql_ide=None if settings.is_production else "graphiql",
    )
    app = Starlette(
        routes=[
            Route("/health", health),
            delivery_route(
                registry=registry, receiver=receiver, public_url=settings.public_url,
                services=lambda: app.state.services,
            ),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
