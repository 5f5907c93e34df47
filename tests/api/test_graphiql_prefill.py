"""In dev, GraphiQL opens ready to run: the operations `prebook dev` prints, their variables
and the demo user's JWT are in its editors. Production serves no GraphiQL and no token."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from strawberry.http.ides import get_graphql_ide_html

from api.app import create_app
from api.dev import (
    DEMO_EMAIL,
    DEMO_VARIABLES,
    _banner,
    demo_operations,
    dev_app,
    dev_token,
    graphiql_prefill,
)
from api.graphql import (
    CDN_PREFIX,
    LOCAL_PREFIX,
    PREFILL_ELEMENT_ID,
    GraphiQLPrefill,
    graphiql_page,
)
from api.settings import Settings
from models.migrate import apply_migrations
from tests.api.test_dev_command import dev_env, read_banner, start_dev, stop_dev
from tests.servers import free_port, serve

DEMO = {"id": "4242", "day": "2030-01-07", "time": "18:00-19:00",
        "opensAt": "2030-01-03T17:00:00+00:00"}
HTML = {"Accept": "text/html"}
DATA_BLOCK = re.compile(
    rf'<script type="application/json" id="{PREFILL_ELEMENT_ID}">(.*?)</script>', re.S)
PRODUCTION_SECRETS = {
    "QSTASH_TOKEN": "prod-qstash-token",
    "QSTASH_CURRENT_SIGNING_KEY": "sig_prod_current",
    "QSTASH_NEXT_SIGNING_KEY": "sig_prod_next",
    "AUTH_JWT_SECRET": "prod-jwt-secret-for-the-tests-only-0123456789",
    "SECRET_KEY": "prod-secret-key-for-the-tests-only-0123456789",
}


def prefill_in(page: str) -> dict[str, str]:
    """The editors' first contents the page carries (its one data block)."""
    blocks = DATA_BLOCK.findall(page)
    assert len(blocks) == 1, page[:2000]
    return json.loads(blocks[0])  # type: ignore[no-any-return]


def inline_scripts(page: str) -> list[str]:
    """The page's executable inline scripts: no src, not a data block."""
    return re.findall(r"<script>(.*?)</script>", page, re.S)


def page_template() -> str:
    """Strawberry's GraphiQL page with the vendored asset paths, as the app starts from."""
    return get_graphql_ide_html("graphiql").replace(CDN_PREFIX, LOCAL_PREFIX)


@dataclass(frozen=True)
class DevVisit:
    banner: str  # what `prebook dev` prints
    page: str  # the GraphiQL page it serves
    me: object  # the answer to `me` sent with the page's headers


@pytest.fixture(scope="module")
def dev_visit(tmp_path_factory: pytest.TempPathFactory) -> DevVisit:
    """The API as `prebook dev` composes it, asked for GraphiQL and then, with the headers the
    page carries, for `me` (one API per process at a time: it stops before the next test)."""
    tmp = tmp_path_factory.mktemp("graphiql-dev")
    closed = f"http://127.0.0.1:{free_port()}"
    settings = Settings().replace(
        server={"data_dir": tmp, "database": f"sqlite://{tmp / 'prebook.sqlite3'}"},
        qstash={"url": closed},
        aimharder={"login_url": closed, "account_url": closed, "box_url": closed + "/{subdomain}"},
    )
    asyncio.run(apply_migrations(settings.server.database_url))
    token = dev_token(settings)
    with serve(dev_app(settings, token, DEMO)) as server:
        page = httpx.get(f"{server.url}/graphql", headers=HTML, timeout=10)
        assert page.status_code == 200
        headers = json.loads(prefill_in(page.text)["headers"])
        me = httpx.post(f"{server.url}/graphql", json={"query": "{ me { email } }"},
                        headers=headers, timeout=10).json()
    return DevVisit(banner=_banner(settings, token, DEMO), page=page.text, me=me)


def test_dev_graphiql_opens_with_the_printed_operations_and_jwt(dev_visit: DevVisit) -> None:
    banner, page = dev_visit.banner, dev_visit.page
    prefill = prefill_in(page)
    assert prefill["query"] == demo_operations(DEMO)
    for operation in ("query Me", "mutation Connect", "query Classes", "mutation Prebook",
                      "query Status"):
        assert operation in prefill["query"]
    assert f'classId: "{DEMO["id"]}"' in prefill["query"]
    assert demo_operations(DEMO) in banner
    assert json.loads(prefill["variables"]) == DEMO_VARIABLES
    headers = json.loads(prefill["headers"])
    printed = re.search(r'\{"Authorization": "Bearer [^"]+"\}', banner)
    assert printed and headers == json.loads(printed.group(0))
    # The header in the page is a working token of the demo user.
    assert dev_visit.me == {"data": {"me": {"email": DEMO_EMAIL}}}


def test_the_page_keeps_its_checked_assets_and_its_script(dev_visit: DevVisit) -> None:
    page = dev_visit.page
    assert len(re.findall(r'src="/static/vendor/[^"]+"\s+integrity="sha384-', page)) >= 4
    assert "unpkg.com" not in page
    # The token lives in the data block only: the executable script is the same bytes for
    # any token, or none (a script hash in a Content-Security-Policy keeps matching).
    other = graphiql_page(page_template(), graphiql_prefill("another.token.here", DEMO))
    plain = graphiql_page(page_template(), None)
    assert inline_scripts(page) == inline_scripts(other) == inline_scripts(plain)
    assert len(inline_scripts(page)) == 1
    token = json.loads(prefill_in(page)["headers"])["Authorization"].removeprefix("Bearer ")
    assert token not in inline_scripts(page)[0]
    assert "PREBOOK.headers" in inline_scripts(page)[0]
    assert not DATA_BLOCK.findall(plain)


def test_no_value_can_leave_the_data_block() -> None:
    hostile = GraphiQLPrefill(query='query A { a } # </script><script>alert("x")</script>',
                              variables={"password": "a&b<c>"},
                              headers={"Authorization": "Bearer </script>"})
    page = graphiql_page(page_template(), hostile)
    assert "alert" not in "".join(inline_scripts(page))
    prefill = prefill_in(page)
    assert prefill["query"] == hostile.query
    assert json.loads(prefill["variables"]) == {"password": "a&b<c>"}
    assert json.loads(prefill["headers"]) == {"Authorization": "Bearer </script>"}
    assert "Bearer" not in repr(hostile)


def test_production_serves_no_graphiql_and_no_token(tmp_path: Path) -> None:
    port = free_port()
    settings = Settings.from_env({
        **PRODUCTION_SECRETS, "PREBOOK_ENV": "production",
        "PUBLIC_URL": f"http://127.0.0.1:{port}", "QSTASH_URL": f"http://127.0.0.1:{free_port()}",
        "DATABASE_URL": f"sqlite://{tmp_path / 'prebook.sqlite3'}", "PREBOOK_PORT": str(port),
    })
    assert settings.is_production
    asyncio.run(apply_migrations(settings.server.database_url))
    prefill = graphiql_prefill("prod.token.value", DEMO)
    with serve(create_app(settings, graphiql=prefill), port=port) as server:
        page = httpx.get(f"{server.url}/graphql", headers=HTML, timeout=10)
    assert page.status_code == 404
    for leaked in ("prod.token.value", "Bearer", "mutation Connect", PREFILL_ELEMENT_ID):
        assert leaked not in page.text


def test_prebook_dev_serves_the_jwt_it_prints(tmp_path: Path) -> None:
    api, qstash, box = free_port(), free_port(), free_port()
    process = start_dev(dev_env(tmp_path, api, qstash, box))
    try:
        banner = read_banner(process)
        page = httpx.get(f"http://127.0.0.1:{api}/graphql", headers=HTML, timeout=10).text
    finally:
        stop_dev(process)
    printed = re.search(r'\{"Authorization": "Bearer [^"]+"\}', banner)
    assert printed, banner
    prefill = prefill_in(page)
    assert json.loads(prefill["headers"]) == json.loads(printed.group(0))
    assert json.loads(prefill["variables"]) == DEMO_VARIABLES
    # The banner is read up to its last operation's first line.
    assert prefill["query"].partition("query Status")[0] in banner
    demo_class = re.search(r"Demo class (\S+) ", banner)
    assert demo_class and f'classId: "{demo_class.group(1)}"' in prefill["query"]
