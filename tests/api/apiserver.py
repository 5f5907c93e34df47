"""The API alone on loopback, for tests of what it does before any AimHarder or QStash call:
authentication, websockets, limits, error answers. AimHarder and QStash point at closed ports,
so anything that reaches them fails fast as "unavailable"."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from api.auth import mint_token
from api.settings import Settings
from models.migrate import apply_migrations
from tests.postgres import fresh_database
from tests.servers import ServerThread, free_port, serve
from tests.stack import stack_settings


@dataclass
class Api:
    server: ServerThread
    settings: Settings

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    def token(self, email: str, **options: Any) -> str:
        return mint_token(email=email, secret=str(self.settings.auth.jwt_secret), **options)

    def post(self, query: str, variables: dict[str, Any] | None = None, *,
             token: str | None = None, **options: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(options.pop("headers", {}))
        return httpx.post(f"{self.url}/graphql", json={"query": query,
                          "variables": variables or {}}, headers=headers, timeout=30, **options)

    def gql(self, query: str, variables: dict[str, Any] | None = None, *,
            token: str | None = None) -> dict[str, Any]:
        answer = self.post(query, variables, token=token)
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]


@contextmanager
def running_api(tmp_path: Path, **variables: object) -> Iterator[Api]:
    """The API on a free port, on SQLite or (PREBOOK_TEST_DATABASE=postgres) PostgreSQL;
    `variables` are environment variables of its settings (PREBOOK_BODY_TIMEOUT_S=0.5…)."""
    with ExitStack() as stack:
        database_url = None  # SQLite in tmp_path
        if os.environ.get("PREBOOK_TEST_DATABASE") == "postgres":
            database_url = stack.enter_context(fresh_database())
        port, closed = free_port(), f"http://127.0.0.1:{free_port()}"
        settings = stack_settings(tmp_path, api_port=port, qstash_url=closed, fakebox_url=closed,
                                  database_url=database_url, **variables)
        asyncio.run(apply_migrations(settings.server.database_url))
        server = stack.enter_context(serve(create_app(settings), port=port))
        yield Api(server=server, settings=settings)
