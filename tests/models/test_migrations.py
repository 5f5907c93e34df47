"""The migrations produce exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import asyncpg
from tortoise import Tortoise

from models.config import tortoise_config
from tests.postgres import fresh_database

Schema = dict[str, object]


def migrate_with_cli(database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-m", "api.cli", "migrate"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def generate_from_models(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        await Tortoise.generate_schemas(safe=False)
    finally:
        await Tortoise.close_connections()


def sqlite_schema(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        schema: Schema = {}
        for table in sorted(tables):
            info = conn.execute(f"PRAGMA table_info('{table}')")
            # A later migration's ALTER TABLE ADD appends its column: order carries no meaning.
            columns = sorted((r[1], r[2], r[3], r[5]) for r in info)
            indexes = sorted(
                (r[2], tuple(c[2] for c in conn.execute(f"PRAGMA index_info('{r[1]}')")))
                for r in conn.execute(f"PRAGMA index_list('{table}')")
            )
            schema[table] = (columns, indexes)
        return schema
    finally:
        conn.close()


async def postgres_schema(url: str) -> Schema:
    conn = await asyncpg.connect(url)
    try:
        columns = await conn.fetch(
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            "ORDER BY table_name, column_name")  # ADD COLUMN appends: order carries no meaning
        indexes = await conn.fetch(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "ORDER BY tablename, indexdef")
    finally:
        await conn.close()
    schema: dict[str, object] = {}
    for row in columns:
        schema.setdefault(row["table_name"], []).append(tuple(row.values())[1:])  # type: ignore[union-attr]
    # Constraint-backed index names carry a generated suffix; compare their definitions.
    schema["indexes"] = sorted(re.sub(r"INDEX \S+ ON", "INDEX ON", r["indexdef"])
                               for r in indexes)
    return schema


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    migrated, generated = tmp_path / "migrated.sqlite3", tmp_path / "generated.sqlite3"
    output = migrate_with_cli(f"sqlite://{migrated}")
    assert "0_" in output  # the initial migration was applied
    assert "up to date" in migrate_with_cli(f"sqlite://{migrated}")  # and only once
    asyncio.run(generate_from_models(f"sqlite://{generated}"))
    assert sqlite_schema(migrated) == sqlite_schema(generated)


def test_postgres_migrations_match_the_models() -> None:
    with fresh_database() as migrated, fresh_database() as generated:
        migrate_with_cli(migrated)
        assert "up to date" in migrate_with_cli(migrated)
        asyncio.run(generate_from_models(generated))
        expected = asyncio.run(postgres_schema(generated))
        actual = asyncio.run(postgres_schema(migrated))
        assert set(actual) == set(expected)
        for table in expected:
            assert actual[table] == expected[table], table
