"""The app factory: nothing is created at import time; the lifespan owns every client."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from qstash import Receiver
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from api.admin import qstash_health_route
from api.auth import TokenVerifier
from api.embedded_qstash import EmbeddedQStash
from api.graphql import GraphiQLPrefill, GraphQLApp
from api.logging import protect_secrets, with_log_context
from api.metrics_route import metrics_route
from api.middleware import BodyLimitMiddleware, NoStoreMiddleware, RequestContextMiddleware
from api.runtime import open_services
from api.settings import Mode, Settings
from api.sockets import SocketPolicy
from api.state import AppState, services_of
from booking.infra.fanout import PgFanout, is_postgres
from booking.infra.webhooks import WebhookRelay
from booking.job_handlers import build_registry
from booking.services import Services
from jobs.delivery import delivery_route
from jobs.registry import JOBS_PREFIX
from jobs.schedules import DECLARED, sync_schedules
from schema import build_schema
from schema.webhook_body import renderer

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Always answered: health checks and operators on the machine itself.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host headers answered: PUBLIC_URL's host, loopback, and PREBOOK_ALLOWED_HOSTS.

    Any other Host is refused (400) before routing, so it is never reflected in a redirect or
    an absolute URL.
    """
    public = urlsplit(settings.server.public_url).hostname
    return sorted({*LOOPBACK_HOSTS, *([public] if public else []), *settings.server.allowed_hosts})


def token_verifier(settings: Settings) -> TokenVerifier:
    return TokenVerifier(str(settings.auth.jwt_secret), audience=settings.auth.jwt_audience,
                         issuer=settings.auth.jwt_issuer, max_ttl_s=settings.auth.jwt_max_ttl_s)


def create_app(settings: Settings, *, graphiql: GraphiQLPrefill | None = None) -> Starlette:
    """The API. `graphiql`: what GraphiQL opens with (dev only; `prebook dev` passes its demo
    operations and token)."""
    protect_secrets()
    registry = with_log_context(build_registry())
    # Without QStash, localqstash's scheduler runs inside this process: same path, same jobs.
    embedded = None if settings.qstash.enabled else EmbeddedQStash.for_settings(settings)
    if embedded is not None:
        settings = embedded.settings_for(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppState]:
        async with contextlib.AsyncExitStack() as scheduler:
            effective = settings
            if embedded is not None:
                effective = embedded.settings_for(
                    settings, await scheduler.enter_async_context(embedded.running()))
            async with serving(effective) as services:
                yield AppState(services=services, settings=effective)

    @contextlib.asynccontextmanager
    async def serving(settings: Settings) -> AsyncIterator[Services]:
        async with open_services(settings) as services:
            if settings.qstash.sync_schedules_on_startup or not settings.qstash.enabled:
                try:
                    report = await sync_schedules(services.jobs, DECLARED)
                    log.info("schedules synced: %s", report.summary())
                except Exception as exc:  # start anyway; /api/admin/qstash-health shows it
                    log.error("schedule sync failed at start-up: %s", exc)
            async with contextlib.AsyncExitStack() as stack:
                if is_postgres(settings.server.database_url):  # several instances may share it
                    await stack.enter_async_context(
                        PgFanout(settings.server.database_url, services.events).running())
                if services.webhooks is not None:
                    relay = WebhookRelay(services.jobs, renderer(schema, services),
                                         retry_delay=settings.webhooks.retry_delay)
                    services.events.relays.append(relay)
                    stack.push_async_callback(relay.drain)
                yield services

    receiver = Receiver(
        current_signing_key=str(settings.qstash.current_signing_key),
        next_signing_key=str(settings.qstash.next_signing_key),
    )
    schema = build_schema()
    graphql = GraphQLApp(
        schema,
        verifier=token_verifier(settings),
        graphql_ide=None if settings.is_production else "graphiql",
        production=settings.is_production,
        graphiql=graphiql,
        sockets=SocketPolicy(init_timeout_s=settings.server.ws_init_timeout_s,
                             anonymous_s=settings.server.ws_anonymous_s,
                             max_per_user=settings.server.ws_max_per_user),
    )
    app = Starlette(
        routes=[
            Route("/health", health),
            metrics_route(),
            qstash_health_route(settings),
            delivery_route(
                registry=registry, receiver=receiver, public_url=settings.jobs_url,
                services=services_of,
            ),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings),
                       www_redirect=False),
            Middleware(RequestContextMiddleware),
            Middleware(NoStoreMiddleware, paths=("/graphql",)),
            Middleware(BodyLimitMiddleware, max_bytes=settings.server.max_body_bytes,
                       prefixes=("/graphql", JOBS_PREFIX),
                       timeout_s=settings.server.body_timeout_s),
        ],
        lifespan=lifespan,
    )
    return app


def serve_mode(environ: Mapping[str, str]) -> Mode:
    """`prebook serve` runs in production mode unless PREBOOK_ENV=dev."""
    return "dev" if environ.get("PREBOOK_ENV") == "dev" else "production"


def app_from_env() -> Starlette:
    """The app of `prebook serve` as an import-string factory (`api.app:app_from_env`), which
    uvicorn needs to start several workers: each worker reads the same environment.

    What is built by now (modules, the schema, the app) lives as long as the process, so it is
    moved out of the collector's sight (`gc.freeze`): a full collection then walks only what
    the process made since, and pauses the firing engine that much less.
    """
    app = create_app(Settings.from_env(os.environ, mode=serve_mode(os.environ)))
    gc.collect()
    gc.freeze()
    return app
