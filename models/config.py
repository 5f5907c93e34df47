"""The Tortoise configuration shared by the app, the CLI and aerich."""

from __future__ import annotations

import os
from typing import Any

MODEL_MODULES = [
    "models.users",
    "models.prebookings",
    "models.deliveries",
    "models.notifications",
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


# aerich reads this (`tortoise_orm = "models.config.TORTOISE_ORM"` in aerich.ini).
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", "sqlite://var/prebook.sqlite3"))
