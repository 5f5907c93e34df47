"""aerich's entry point (`tortoise_orm` in aerich.ini and pyproject.toml): the Tortoise
configuration of the database the settings name, read from the environment as `prebook` reads
it (DATABASE_URL, else SQLite in PREBOOK_DATA_DIR)."""

from __future__ import annotations

import os

from api.settings import Settings
from models.config import tortoise_config

TORTOISE_ORM = tortoise_config(Settings.from_env(os.environ).server.database_url)
