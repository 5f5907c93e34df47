"""The whole system on loopback for end-to-end tests: localqstash, fake box and the API."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from api.app import create_app
from api.auth import mint_token
from api.settings import Settings
from fakebox import FakeBoxConfig
from fakebox import create_app as create_fakebox
from localqstash import LocalQStashConfig
from localqstash import create_app as create_localqstash
from models.migrate import apply_migrations
from tests.boxclock import BoxClock
from tests.postgres import fresh_database
from tests.servers import ServerThread, free_port, serve

CONNECT = """mutation($email: String!, $password: String!) {
  connectAimharder(input: {email: $email, password: $password}) {
    __typename ... on AimharderAccount { email boxes { id subdomain timezone } }
    ... on InvalidCredentials { message } } }"""
CLASSES = """query($boxId: String!, $day: Date!) { classes(boxId: $boxId, day: $day) {
  id name time capacity booked opensAt } }"""
CREATE = """mutation($input: CreatePrebookingInput!) { createPrebooking(input: $input) {
  __typename
  ... on Prebooking { id status opensAt qstashMessageId }
  ... on DuplicatePrebooking { message existing { id } }
  ... on ValidationError { field message } ... on ClassNotFound { message }
  ... on NotConnected { message } ... on SchedulingFailed { message } } }"""
GET = """query($id: ID!) { prebooking(id: $id) { id status outcome bookState bookingId firedAt
  latenessMs attempts opensAt errorMessage qstashMessageId } }"""

MADRID = ZoneInfo("Europe/Madrid")
DEMO_BOX_ID = "10001"


@dataclass
class Stack:
    api: ServerThread
    qstash: ServerThread
    fakebox: ServerThread
    settings: Settings
    box_clock: BoxClock = field(default_factory=BoxClock)  # the fake box's, when it is ours

    def token(self, email: str, *, admin: bool = False) -> str:
        return mint_token(email=email, secret=str(self.settings.auth.jwt_secret), admin=admin)

    def gql(self, query: str, variables: dict[str, Any] | None = None, *,
            token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = httpx.post(f"{self.api.url}/graphql", json={"query": query,
                            "variables": variables or {}}, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def fake_class(self, opens_in: float, *, capacity: int = 10,
                   whole_minute: bool = False) -> dict[str, str]:
        """A class on the demo box whose window opens `opens_in` seconds from now.

        With `whole_minute` the opening is the first whole minute at least `opens_in` away, so
        it is exactly the class start minus the box's 4-day window, as on a real box.
        """
        opens_at = datetime.now(UTC) + timedelta(seconds=opens_in)
        if whole_minute:
            opens_at = opens_at.replace(second=0, microsecond=0) + timedelta(minutes=1)
        start = (opens_at + timedelta(days=4)).astimezone(MADRID)
        end = start + timedelta(hours=1)
        body = {"box": "demo", "day": start.date().isoformat(),
                "time": f"{start:%H:%M}-{end:%H:%M}", "capacity": capacity,
                "opensAt": opens_at.isoformat()}
        answer = httpx.post(f"{self.fakebox.url}/_fake/classes", json=body, timeout=5)
        assert answer.status_code == 200, answer.text
        return {**body, **answer.json()}

    def fake_member(self, email: str, password: str = "secret-wod") -> tuple[str, str]:
        """A new member of the fake box (each test books as its own member)."""
        answer = httpx.post(f"{self.fakebox.url}/_fake/users",
                            json={"email": email, "password": password}, timeout=5)
        assert answer.status_code in (200, 409), answer.text  # 409: already a member
        return email, password

    def box_cookie(self, email: str, password: str = "secret-wod") -> str:
        """A member's own session at the fake box (as if they logged in on the website)."""
        answer = httpx.post(f"{self.fakebox.url}/api/login", timeout=5, json={
            "username": email, "password": password, "fingerprint": "f" * 50, "iniframe": 0})
        assert answer.json()["data"]["auth"]["authOK"] is True, answer.text
        # Domain=.aimharder.com: no cookie jar keeps it for 127.0.0.1, so read the header.
        return answer.headers["set-cookie"].split("amhrdrauth=", 1)[1].split(";", 1)[0]

    def book_by_hand(self, email: str, demo: dict[str, str]) -> dict[str, Any]:
        """The member books `demo` on the box directly, outside prebook."""
        form = {"id": demo["id"], "day": demo["day"].replace("-", ""), "insist": "0",
                "familyId": ""}
        answer = httpx.post(f"{self.fakebox.url}/demo/api/book", data=form, timeout=5,
                            headers={"Cookie": f"amhrdrauth={self.box_cookie(email)}"})
        return answer.json()  # type: ignore[no-any-return]

    def box_requests(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.fakebox.url}/_fake/requests", timeout=5).json()  # type: ignore[no-any-return]

    def connect(self, token: str, member: str) -> None:
        """Connect the user's AimHarder account to a new member of the fake box."""
        email, password = self.fake_member(member)
        data = self.gql(CONNECT, {"email": email, "password": password}, token=token)
        assert data["data"]["connectAimharder"]["__typename"] == "AimharderAccount", data

    def prebook(self, member: str, opens_in: float, *, opens_at: str | None = None,
                demo: dict[str, str] | None = None) -> tuple[str, str, dict[str, str]]:
        """A connected user (named `member`) with one prebooking for a new class opening
        `opens_in` s from now; returns (token, prebooking id, class)."""
        token = self.token(member)
        self.connect(token, "box-" + member)
        demo = demo or self.fake_class(opens_in=opens_in)
        created = self.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                              "day": demo["day"],
                                              "opensAt": opens_at or demo["opensAt"]}},
                           token=token)
        result = created["data"]["createPrebooking"]
        assert result["__typename"] == "Prebooking", created
        return token, result["id"], demo

    def prebooking(self, token: str, node_id: str) -> dict[str, Any]:
        return self.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"]  # type: ignore[no-any-return]

    def wait_for(self, query: str, variables: dict[str, Any], token: str, done: Any,
                 timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            data = self.gql(query, variables, token=token)
            if done(data):
                return data
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not reached in {timeout}s: {data}")
            time.sleep(0.1)


class RemoteServer:
    """Stands in for a ServerThread when the API runs in a child process on a known port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a `prebook serve` child with these settings."""
    return {**os.environ, **settings.to_env(), **extra}


def stack_settings(tmp_path: Path, *, api_port: int, qstash_url: str, fakebox_url: str,
                   database_url: str | None = None, **variables: object) -> Settings:
    """The API's settings for a stack, read as production reads them: from environment
    variables (`variables` adds or overrides some, e.g. `PREBOOK_WATCH_INTERVAL_S=1`)."""
    return Settings.from_env({
        "PREBOOK_ENV": "dev",
        "PREBOOK_PORT": str(api_port),
        "PREBOOK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url or f"sqlite://{tmp_path / 'prebook.sqlite3'}",
        "PUBLIC_URL": f"http://127.0.0.1:{api_port}",
        "QSTASH_URL": qstash_url,
        "AIMHARDER_LOGIN_URL": fakebox_url,
        "AIMHARDER_ACCOUNT_URL": fakebox_url,
        "AIMHARDER_BOX_URL": fakebox_url + "/{subdomain}",
        "PREBOOK_LEAD_SECONDS": "1",
        **{name: str(value) for name, value in variables.items()},
    })


@contextmanager
def running_stack(tmp_path: Path, database_url: str | None = None, *,
                  box_via: Callable[[int], str] | None = None,
                  **variables: object) -> Iterator[Stack]:
    """The three servers on free ports (`variables`: environment variables of the API's
    settings). One at a time per process: the API's Tortoise context is the process's global
    fallback, so module-scoped stacks must not overlap."""
    with ExitStack() as stack:
        if database_url is None and os.environ.get("PREBOOK_TEST_DATABASE") == "postgres":
            database_url = stack.enter_context(fresh_database())
        qstash = stack.enter_context(
            serve(create_localqstash(LocalQStashConfig(data_dir=tmp_path / "localqstash")))
        )
        box_clock = BoxClock()
        fakebox = stack.enter_context(serve(create_fakebox(FakeBoxConfig(), clock=box_clock)))
        api_port = free_port()
        settings = stack_settings(tmp_path, api_port=api_port, qstash_url=qstash.url,
                                 fakebox_url=fakebox.url, database_url=database_url,
                                 **variables)
        if box_via is not None:  # e.g. a proxy in front of the box's booking endpoints
            settings = settings.replace(
                aimharder={"box_url": box_via(fakebox.port) + "/{subdomain}"})
        asyncio.run(apply_migrations(settings.server.database_url))
        api = stack.enter_context(serve(create_app(settings), port=api_port))
        yield Stack(api=api, qstash=qstash, fakebox=fakebox, settings=settings,
                    box_clock=box_clock)
