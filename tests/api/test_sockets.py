"""Websockets on /graphql live no longer than their token, close when they never present one,
and are counted per user."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import jwt
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.api.apiserver import Api, running_api

PROTOCOL = Subprotocol("graphql-transport-ws")
ME = "{ me { email } }"
CONNECT = """mutation($email: String!, $password: String!) {
  connectAimharder(input: {email: $email, password: $password}) { __typename } }"""
UPDATES = "subscription { prebookingUpdates { id } }"
MAX_PER_USER = 2


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(tmp_path_factory.mktemp("sockets"), PREBOOK_WS_INIT_TIMEOUT_S=0.5,
                     PREBOOK_WS_ANONYMOUS_S=0.5,
                     PREBOOK_WS_MAX_PER_USER=MAX_PER_USER) as running:
        yield running


def short_token(api: Api, email: str, seconds: int) -> tuple[str, int]:
    """A token that expires `seconds` (at least 1, whole seconds as in `exp`) from now."""
    exp = int(time.time()) + seconds
    token = jwt.encode({"sub": f"sub-{email}", "email": email, "exp": exp},
                       str(api.settings.auth.jwt_secret), algorithm="HS256")
    return token, exp


@asynccontextmanager
async def socket(api: Api, payload: dict[str, Any] | None = None, *,
                 init: bool = True) -> AsyncIterator[ClientConnection]:
    async with connect(api.ws_url, subprotocols=[PROTOCOL], open_timeout=10) as ws:
        if init:
            await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        yield ws


async def receive(ws: ClientConnection, within: float = 10) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), within))  # type: ignore[no-any-return]


async def closed_with(ws: ClientConnection, within: float) -> tuple[int, str, list[Any]]:
    """Waits for the server to close; returns the code, the reason and what came before."""
    before: list[Any] = []
    try:
        async with asyncio.timeout(within):
            while True:
                before.append(json.loads(await ws.recv()))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame"
        return closed.rcvd.code, closed.rcvd.reason, before
    except TimeoutError:
        raise AssertionError(f"still open after {within} s (received {before})") from None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_socket_closes_when_its_token_expires(api: Api) -> None:
    token, exp = short_token(api, "brief@example.com", 2)
    async with socket(api, bearer(token)) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ME}}))
        assert (await receive(ws))["payload"] == {"data": {"me": {"email": "brief@example.com"}}}
        await ws.send(json.dumps({"id": "2", "type": "subscribe",
                                  "payload": {"query": UPDATES}}))
        code, reason, _ = await closed_with(ws, within=exp - time.time() + 3)
        assert (code, reason) == (4403, "token expired")
        assert time.time() >= exp - 0.05  # not before the token's own expiry


async def test_nothing_runs_on_a_socket_after_its_token_expires(api: Api) -> None:
    token, exp = short_token(api, "lingering@example.com", 1)
    async with socket(api, bearer(token)) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        while time.time() < exp + 0.05:  # noqa: ASYNC110 (waiting for the token's `exp`)
            await asyncio.sleep(0.05)
        for op_id, query, variables in (
                ("q", ME, {}),
                ("m", CONNECT, {"email": "late@example.com", "password": "stored-too-late"})):
            try:
                await ws.send(json.dumps({"id": op_id, "type": "subscribe",
                                          "payload": {"query": query, "variables": variables}}))
            except ConnectionClosed:
                pass
        code, reason, received = await closed_with(ws, within=3)
        assert (code, reason) == (4403, "token expired")
        assert not [m for m in received if m.get("type") == "next"], received


async def test_a_socket_without_a_token_closes_within_seconds(api: Api) -> None:
    async with socket(api) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ME}}))
        refused = await receive(ws)  # anonymous operations are still answered, then closed
        assert refused["payload"]["errors"][0]["message"] == "authentication required"
        code, _, _ = await closed_with(ws, within=3)
        assert code == 4401


async def test_a_socket_that_never_initialises_closes(api: Api) -> None:
    async with socket(api, init=False) as ws:
        code, _, _ = await closed_with(ws, within=3)
        assert code == 4408


async def test_sockets_are_capped_per_user(api: Api) -> None:
    token = api.token("busy@example.com")
    async with socket(api, bearer(token)) as first, socket(api, bearer(token)) as second:
        for ws in (first, second):
            assert (await receive(ws))["type"] == "connection_ack"
        async with socket(api, bearer(token)) as third:
            code, _, _ = await closed_with(third, within=3)
            assert code == 4403
        async with socket(api, bearer(api.token("idle@example.com"))) as other_user:
            assert (await receive(other_user))["type"] == "connection_ack"
    # Closing sockets gives their places back (once the server has seen them close).
    deadline = time.monotonic() + 5
    while True:
        async with socket(api, bearer(token)) as again:
            try:
                if (await receive(again))["type"] == "connection_ack":
                    break
            except ConnectionClosed:
                assert time.monotonic() < deadline, "places were not given back"


async def test_the_legacy_subprotocol_is_not_offered(api: Api) -> None:
    async with connect(api.ws_url, subprotocols=[Subprotocol("graphql-ws")],
                       open_timeout=10) as ws:
        code, _, _ = await closed_with(ws, within=3)
        assert code == 4406
