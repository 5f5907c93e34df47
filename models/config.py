"""The Tortoise configuration shared by the app, the CLI and aerich (`api.aerich_config`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

MODEL_MODULES = [
    "models.users",
    "models.prebookings",
    "models.rules",
    "models.deliveries",
    "models.notifications",
    "models.limits",
    "aerich.models",
]


def tortoise_config(database_url: str) -> dict[str, Any]:
    """Tortoise config for one database; PostgreSQL URLs may use postgres:// or postgresql://."""
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    # Tortoise caches compiled insert statements per connection name, so the name carries the
    # dialect: one process may then use SQLite and PostgreSQL one after the other (tests do).
    name = url.split("://", 1)[0]
    return {
        "connections": {name: url},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": name}},
        "use_tz": True,
        "timezone": "UTC",
    }


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL and in-memory databases)."""
    if not database_url.startswith("sqlite://") or ":memory:" in database_url:
        return None
    return Path(database_url.removeprefix("sqlite://").split("?", 1)[0])


def secure_database_file(database_url: str) -> None:
    """Create a SQLite database's directory (0700) and empty file (0600) before SQLite does.

    The file holds encrypted credentials and everyone's prebookings; SQLite creates its
    `-wal` and `-shm` files with the database file's mode, so they stay private too. An
    existing directory or file is left as it is.
    """
    path = sqlite_path(database_url)
    if path is None:
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
