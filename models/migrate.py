"""Apply the aerich migrations to a database (what `prebook migrate` and `prebook dev` run)."""

from __future__ import annotations

from pathlib import Path

from aerich import Command
from tortoise import Tortoise

from models.config import secure_database_file, tortoise_config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        secure_database_file(database_url)  # 0600 in a 0700 directory, before SQLite makes it


async def apply_migrations(database_url: str, location: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every migration not yet recorded; returns the versions applied."""
    _ensure_sqlite_dir(database_url)
    config = tortoise_config(database_url)
    # aerich's Command needs Tortoise initialised by us when it is used more than once a process.
    await Tortoise.init(config=config)
    try:
        command = Command(tortoise_config=config, app="models", location=str(location))
        await command.init()
        return await command.upgrade(run_in_transaction=True)
    finally:
        await Tortoise.close_connections()
