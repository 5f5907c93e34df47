"""`GET /metrics`: the process's Prometheus metrics (text format, or OpenMetrics on request)."""

from __future__ import annotations

from prometheus_client.exposition import choose_encoder
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jobs.metrics import exposition_registry


async def metrics_endpoint(request: Request) -> Response:
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encode(exposition_registry()), headers={"Content-Type": content_type})


def metrics_route() -> Route:
    return Route("/metrics", metrics_endpoint, methods=["GET"])
