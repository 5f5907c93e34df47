"""One fake box on loopback for the module's tests, with a clock the tests move by hand.

Requests are plain httpx calls written the way AIMHARDER.md shows AimHarder's: the tests are
an independent reading of the protocol, not the application's client.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from fakebox import FakeBoxConfig, create_app
from fakebox.window import to_ns
from tests.servers import ServerThread, serve

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/147.0"
FINGERPRINT = "my0pz7di4kr8nuq718uecu4ev23fbosfp20z1q6smntm42ideb"
# Friday 2026-03-20 09:00 in Madrid. Classes on FAR (a Monday, after the spring change to
# CEST) open four days before: 2026-03-26 at the class's wall-clock time, still CET.
NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
FAR = date(2026, 3, 30)
FAR_PARAM = "20260330"


@dataclass
class FakeClock:
    """The box's only clock: an instant the test sets, and a flag raised when the box reads it."""

    ns: int = to_ns(NOW)
    read: threading.Event = field(default_factory=threading.Event)

    def __call__(self) -> int:
        self.read.set()
        return self.ns

    def at(self, instant: datetime) -> None:
        self.ns = to_ns(instant)

    def advance(self, **delta: float) -> None:
        self.ns += int(timedelta(**delta).total_seconds() * 1_000_000_000)


@dataclass
class Member:
    email: str
    password: str
    cookie: str
    refresh_token: str
    login: dict[str, Any]


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each `Set-Cookie` header by cookie name, whole (value and attributes)."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        found[header.split("=", 1)[0]] = header
    return found


def cookie_value(response: httpx.Response, name: str = "amhrdrauth") -> str:
    return set_cookies(response)[name].split(";", 1)[0].split("=", 1)[1]


@dataclass
class Box:
    server: ServerThread
    clock: FakeClock
    aim: httpx.AsyncClient  # AimHarder's endpoints, with a browser User-Agent
    control: httpx.AsyncClient  # /_fake

    async def login(self, username: str, password: str, **extra: Any) -> httpx.Response:
        body = {"username": username, "password": password, "fingerprint": FINGERPRINT,
                "iniframe": 0, **extra}
        return await self.aim.post("/api/login", json=body)

    async def member(self, **extra: Any) -> Member:
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        made = await self.control.post("/_fake/users",
                                       json={"email": email, "password": "pw", **extra})
        assert made.status_code == 200, made.text
        response = await self.login(email, "pw")
        body = response.json()
        return Member(email, "pw", cookie_value(response),
                      body["data"]["auth"]["refreshToken"], body)

    async def new_class(self, **fields: Any) -> dict[str, Any]:
        body = {"box": "demo", "day": FAR.isoformat(), "time": "10:00-11:00", **fields}
        response = await self.control.post("/_fake/classes", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def book(self, who: Member | None, class_id: str, *, day: str = FAR_PARAM,
                   insist: int = 0, sub: str = "demo") -> dict[str, Any]:
        response = await self.aim.post(
            f"/{sub}/api/book", headers=_cookie(who),
            data={"id": class_id, "day": day, "insist": str(insist), "familyId": ""})
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def cancel(self, who: Member | None, idres: str | int, *,
                     late: int = 0) -> dict[str, Any]:
        response = await self.aim.post(
            "/demo/api/cancelBook", headers=_cookie(who),
            data={"id": str(idres), "late": str(late), "familyId": ""})
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def bookings(self, who: Member | None, *, day: str = FAR_PARAM, sub: str = "demo",
                       **params: str) -> httpx.Response:
        query = {"day": day, "familyId": "", "box": "10001", **params}
        return await self.aim.get(f"/{sub}/api/bookings", params=query, headers=_cookie(who))

    async def row(self, who: Member | None, class_id: str) -> dict[str, Any]:
        rows = (await self.bookings(who)).json()["bookings"]
        return dict(next(r for r in rows if str(r["id"]) == class_id))

    async def requests(self) -> list[dict[str, Any]]:
        return list((await self.control.get("/_fake/requests")).json())


def _cookie(who: Member | None) -> dict[str, str]:
    return {} if who is None else {"Cookie": f"amhrdrauth={who.cookie}"}


@pytest.fixture(scope="module")
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def fakebox_server(fake_clock: FakeClock) -> Iterator[ServerThread]:
    with serve(create_app(FakeBoxConfig(), clock=fake_clock)) as server:
        yield server


@pytest.fixture
async def box(fakebox_server: ServerThread, fake_clock: FakeClock) -> AsyncIterator[Box]:
    """The module's box, reset, its clock back at NOW."""
    fake_clock.at(NOW)
    async with (
        httpx.AsyncClient(base_url=fakebox_server.url, timeout=10.0,
                          headers={"User-Agent": BROWSER}) as aim,
        httpx.AsyncClient(base_url=fakebox_server.url, timeout=10.0) as control,
    ):
        (await control.post("/_fake/reset")).raise_for_status()
        yield Box(fakebox_server, fake_clock, aim, control)
