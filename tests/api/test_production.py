"""Production mode: no public dev secrets, no introspection, no GraphiQL, no schema hints."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql import get_introspection_query

from api.app import create_app
from api.auth import TokenVerifier, mint_token
from api.settings import DEV_AUTH_JWT_SECRET, Settings
from models.migrate import apply_migrations
from tests.servers import ServerThread, free_port, serve

PROD_SECRETS = {
    "QSTASH_TOKEN": "prod-qstash-token",
    "QSTASH_CURRENT_SIGNING_KEY": "sig_prod_current",
    "QSTASH_NEXT_SIGNING_KEY": "sig_prod_next",
    "AUTH_JWT_SECRET": "prod-jwt-secret-for-the-tests-only-0123456789",
    "SECRET_KEY": "prod-secret-key-for-the-tests-only-0123456789",
}
INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    settings = Settings.from_env({
        **PROD_SECRETS, "PREBOOK_ENV": "production", "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "QSTASH_URL": f"http://127.0.0.1:{free_port()}",  # nothing is published here
        "DATABASE_URL": f"sqlite://{tmp / 'prebook.sqlite3'}", "PREBOOK_PORT": str(port),
    })
    assert settings.is_production
    asyncio.run(apply_migrations(settings.server.database_url))
    with serve(create_app(settings), port=port) as server:
        yield server


def _token() -> str:
    return mint_token(email="prod@example.com", secret=PROD_SECRETS["AUTH_JWT_SECRET"])


def test_introspection_is_refused(production: ServerThread) -> None:
    for query in (INTROSPECTION, get_introspection_query(), '{ __type(name: "Query") { name } }'):
        answer = httpx.post(f"{production.url}/graphql", json={"query": query}).json()
        assert answer["data"] is None
        assert "introspection" in answer["errors"][0]["message"].lower()


def test_ordinary_operations_still_work(production: ServerThread) -> None:
    answer = httpx.post(f"{production.url}/graphql", json={"query": "{ __typename me { email } }"},
                        headers={"Authorization": f"Bearer {_token()}"}).json()
    assert answer == {"data": {"__typename": "Query", "me": {"email": "prod@example.com"}}}


def test_dev_tokens_are_not_accepted(production: ServerThread) -> None:
    forged = mint_token(email="intruder@example.com", secret=DEV_AUTH_JWT_SECRET, admin=True)
    answer = httpx.post(f"{production.url}/graphql", json={"query": "{ me { email } }"},
                        headers={"Authorization": f"Bearer {forged}"}).json()
    assert answer["errors"][0]["message"] == "invalid token"


@pytest.mark.parametrize(("query", "variables"), [
    ("{ mee { email } }", None),
    ("{ prebookings(status: [PENDIN]) { edges { cursor } } }", None),
    ("mutation($i: ConnectAimharderInput!) { connectAimharder(input: $i) { __typename } }",
     {"i": {"email": "a@example.com", "pasword": "x"}}),
])
def test_no_did_you_mean_hints(production: ServerThread, query: str,
                               variables: dict[str, object] | None) -> None:
    """The schema is not described to strangers, whether by introspection or by hints."""
    answer = httpx.post(f"{production.url}/graphql", json={"query": query, "variables": variables},
                        headers={"Authorization": f"Bearer {_token()}"}).json()
    messages = [error["message"] for error in answer["errors"]]
    assert messages and not [m for m in messages if "Did you mean" in m], messages
    assert "Unexpected error." not in messages


def test_dev_mode_keeps_the_hints(tmp_path: Path) -> None:
    from api.graphql import GraphQLApp
    from schema import build_schema

    dev = GraphQLApp(build_schema(), verifier=TokenVerifier("x" * 32))
    result = asyncio.run(dev.schema.execute("{ mee { email } }"))
    assert result.errors and "Did you mean 'me'?" in result.errors[0].message


def test_graphiql_is_not_served(production: ServerThread) -> None:
    page = httpx.get(f"{production.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "graphiql" not in page.text.lower()


def test_dev_mode_keeps_introspection(tmp_path: Path) -> None:
    # The same process-wide schema serves both modes: production's rule must not leak.
    from api.graphql import GraphQLApp
    from schema import build_schema

    verifier = TokenVerifier("x" * 32)
    dev = GraphQLApp(build_schema(), verifier=verifier)
    prod = GraphQLApp(build_schema(), verifier=verifier, production=True)
    assert dev.schema is not prod.schema
    assert len(prod.schema.extensions) == len(dev.schema.extensions) + 1
    result = asyncio.run(dev.schema.execute(INTROSPECTION))
    assert result.errors is None and result.data == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize("name", sorted(PROD_SECRETS))
def test_prebook_serve_refuses_to_start_with_a_dev_value(name: str, tmp_path: Path) -> None:
    from api.settings import PUBLIC_DEV_VALUES

    env = {**os.environ, **PROD_SECRETS, "PUBLIC_URL": "https://prebook.example.com",
           name: PUBLIC_DEV_VALUES[name], "DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}",
           "PREBOOK_PORT": str(free_port())}
    env.pop("PREBOOK_ENV", None)
    done = subprocess.run([sys.executable, "-m", "api.cli", "serve"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert name in done.stderr and "public development value" in done.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # refused before touching the database
