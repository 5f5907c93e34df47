"""Operator endpoints: `GET /api/admin/qstash-health` (admin token)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import AuthError, TokenVerifier
from api.settings import Settings
from api.state import services_of, settings_of
from jobs.health import qstash_health
from jobs.schedules import DECLARED

LOOPBACK = ("http://127.0.0.1", "http://localhost", "http://[::1]")


def config_problems(settings: Settings) -> list[str]:
    """What an operator must fix, by variable name. (Missing or public-dev secrets never get
    this far: `Settings.from_env` refuses to start with them in production.)"""
    problems = []
    if settings.qstash.enabled and settings.server.public_url.startswith(LOOPBACK) and not (
        settings.qstash.url.startswith(LOOPBACK)
    ):
        problems.append("PUBLIC_URL is a loopback address that QSTASH_URL's QStash cannot call")
    return problems


async def health_report(settings: Settings, services: Any) -> dict[str, Any]:
    return await qstash_health(services.jobs, DECLARED, config_problems=config_problems(settings),
                               embedded=not settings.qstash.enabled)


def qstash_health_route(settings: Settings) -> Route:
    async def endpoint(request: Request) -> JSONResponse:
        try:
            principal = TokenVerifier(
                str(settings.auth.jwt_secret), audience=settings.auth.jwt_audience,
                issuer=settings.auth.jwt_issuer, max_ttl_s=settings.auth.jwt_max_ttl_s,
            ).from_header(request.headers.get("authorization"))
        except AuthError as exc:
            return JSONResponse({"error": str(exc)}, status_code=401)
        if principal is None:
            return JSONResponse({"error": "authentication required"}, status_code=401)
        if not principal.is_admin:
            return JSONResponse({"error": "admin role required"}, status_code=403)
        report = await health_report(settings_of(request), services_of(request))
        return JSONResponse(report, status_code=200 if report["healthy"] else 503)

    return Route("/api/admin/qstash-health", endpoint, methods=["GET"])
