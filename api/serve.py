"""`prebook serve`: migrations, logging and uvicorn for one or several workers."""

from __future__ import annotations

import asyncio
from typing import Any

from api.logging import log_config
from api.settings import Settings
from models.config import secure_database_file

APP_FACTORY = "api.app:app_from_env"


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """What uvicorn bounds for every server of the app, `prebook serve` and `prebook dev` alike:
    websocket frames as large as a request body, connections plus requests in flight (503
    beyond), and how long an idle keep-alive connection stays open. Header and body timeouts
    belong to the proxy in front (docs/deploy.md); the app itself times out slow bodies."""
    return {
        "ws": "websockets-sansio",
        "ws_max_size": settings.server.max_body_bytes,
        "limit_concurrency": settings.server.limit_concurrency,
        "timeout_keep_alive": settings.server.keepalive_timeout_s,
    }


def serve(settings: Settings, *, host: str | None = None, port: int | None = None,
          migrate: bool = True) -> int:
    """Apply migrations once, then run `settings.server.workers` uvicorn workers.

    The app is given as an import-string factory, which uvicorn needs for several workers;
    each worker builds its app from the same environment `settings` was read from.
    """
    import uvicorn

    from models.migrate import apply_migrations

    secure_database_file(settings.server.database_url)
    if migrate:
        asyncio.run(apply_migrations(settings.server.database_url))
    uvicorn.run(
        APP_FACTORY, factory=True, host=host or settings.server.host,
        port=port or settings.server.port,
        workers=settings.server.workers, log_config=log_config(settings.server.log_format),
        proxy_headers=True, **uvicorn_limits(settings),
    )
    return 0
