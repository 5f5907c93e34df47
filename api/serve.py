"""`prebook serve`: migrations, logging and uvicorn for one or several workers."""

from __future__ import annotations

import asyncio

from api.logging import log_config
from api.settings import Settings

APP_FACTORY = "api.app:app_from_env"


def serve(settings: Settings, *, host: str | None = None, port: int | None = None,
          migrate: bool = True) -> int:
    """Apply migrations once, then run `settings.workers` uvicorn workers.

    The app is given as an import-string factory, which uvicorn needs for several workers;
    each worker builds its app from the same environment `settings` was read from.
    """
    import uvicorn

    from models.migrate import apply_migrations

    if migrate:
        asyncio.run(apply_migrations(settings.database_url))
    uvicorn.run(
        APP_FACTORY, factory=True, host=host or settings.host, port=port or settings.port,
        workers=settings.workers, log_config=log_config(settings.log_format),
        proxy_headers=True, ws="websockets-sansio", ws_max_size=settings.max_body_bytes,
    )
    return 0
