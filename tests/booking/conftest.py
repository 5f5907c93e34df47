from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from booking.aimharder import AimharderClient, AimharderSession, new_fingerprint
from fakebox import DEMO_EMAIL, DEMO_PASSWORD, FakeBoxConfig, create_app
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
