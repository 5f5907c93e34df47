from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.runtime import open_services
from api.settings import Settings
from booking.aimharder import AimharderClient, AimharderSession, new_fingerprint
from booking.services import Services
from fakebox import DEMO_EMAIL, DEMO_PASSWORD, FakeBoxConfig, create_app
from localqstash import LocalQStashConfig
from localqstash import create_app as create_localqstash
from models.migrate import apply_migrations
from tests.postgres import fresh_database
from tests.servers import ServerThread, serve


@dataclass
class FakeBox:
    server: ServerThread
    control: httpx.AsyncClient  # talks to /_fake
    client: AimharderClient

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def fakebox_server() -> Iterator[ServerThread]:
    """One demo fake box for the whole run; `box` resets its bookings before each test."""
    with serve(create_app(FakeBoxConfig())) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


def client_for(server: ServerThread, http: httpx.AsyncClient) -> AimharderClient:
    return AimharderClient(
        http=http, login_url=server.url, account_url=server.url,
        box_url_template=server.url + "/{subdomain}",
    )


@pytest.fixture
async def box(fakebox_server: ServerThread, http: httpx.AsyncClient) -> AsyncIterator[FakeBox]:
    async with httpx.AsyncClient(base_url=fakebox_server.url, timeout=10.0) as control:
        (await control.post("/_fake/reset")).raise_for_status()
        yield FakeBox(fakebox_server, control, client_for(fakebox_server, http))


@pytest.fixture
async def session(box: FakeBox) -> AimharderSession:
    return await box.client.login(DEMO_EMAIL, DEMO_PASSWORD, new_fingerprint())


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if os.environ.get("PREBOOK_TEST_DATABASE") == "postgres":
        with ExitStack() as stack:
            yield stack.enter_context(fresh_database())
        return
    yield f"sqlite://{tmp_path / 'prebook.sqlite3'}"


@pytest.fixture(scope="session")
def localqstash_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One localqstash for the in-process tests: jobs are published for real."""
    data = tmp_path_factory.mktemp("localqstash")
    with serve(create_localqstash(LocalQStashConfig(data_dir=data))) as server:
        yield server


@pytest.fixture
async def services(tmp_path: Path, database_url: str, fakebox_server: ServerThread,
                   localqstash_server: ServerThread) -> AsyncIterator[Services]:
    """The app's services in this process, over a real database, localqstash and fake box."""
    url = fakebox_server.url
    settings = Settings().replace(
        server={"data_dir": tmp_path, "database": database_url},
        qstash={"url": localqstash_server.url},
        aimharder={"login_url": url, "account_url": url, "box_url": url + "/{subdomain}"})
    await apply_migrations(settings.server.database_url)
    async with httpx.AsyncClient(base_url=url) as control:
        (await control.post("/_fake/reset")).raise_for_status()
    async with open_services(settings) as running:
        yield running
