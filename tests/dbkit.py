"""A migrated throw-away database for in-process domain tests: SQLite, or PostgreSQL with
PREBOOK_TEST_DATABASE=postgres."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from tortoise import Tortoise

from models.config import tortoise_config
from models.migrate import apply_migrations
from tests.postgres import fresh_database


@contextmanager
def migrated_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a database with every migration applied (call outside an event loop)."""
    if os.environ.get("PREBOOK_TEST_DATABASE") == "postgres":
        with fresh_database() as url:
            asyncio.run(apply_migrations(url))
            yield url
        return
    url = f"sqlite://{tmp_path / 'domain.sqlite3'}"
    asyncio.run(apply_migrations(url))
    yield url


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[None]:
    """Tortoise on `url` for the block (this task and the tasks it starts)."""
    await Tortoise.init(config=tortoise_config(url))
    try:
        yield
    finally:
        await Tortoise.close_connections()
