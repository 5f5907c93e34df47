"""Live status over `graphql-transport-ws`: a prebooking watched from PENDING to COMPLETED, with
the bearer token in the handshake header or in `connection_init`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.e2e.test_scenario import CREATE
from tests.e2e.test_scenario import connect as connect_box
from tests.stack import DEMO_BOX_ID, Stack, running_stack

PROTOCOL = Subprotocol("graphql-transport-ws")
UPDATES = """subscription($id: ID) {
  prebookingUpdates(id: $id) { id status outcome latenessMs } }"""
STATUS = """query($id: ID!) { prebooking(id: $id) { status } }"""
FINAL = {"COMPLETED", "FAILED"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("subscriptions")) as running:
        yield running


@asynccontextmanager
async def graphql_ws(stack: Stack, *, payload: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> AsyncIterator[ClientConnection]:
    url = stack.api.url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL], additional_headers=headers,
                       open_timeout=10) as ws:
        assert ws.subprotocol == PROTOCOL
        await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        yield ws


async def receive(ws: ClientConnection, within: float = 30) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), within))
        if message["type"] not in ("ping", "pong"):
            return message  # type: ignore[no-any-return]


async def expect_ack(ws: ClientConnection) -> None:
    assert (await receive(ws, within=10))["type"] == "connection_ack"


async def run_once(ws: ClientConnection, op_id: str, query: str,
                   variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """A query over the socket: one `next`, then `complete`."""
    await ws.send(json.dumps({"id": op_id, "type": "subscribe",
                              "payload": {"query": query, "variables": variables or {}}}))
    message = await receive(ws)
    assert message["id"] == op_id and message["type"] == "next", message
    assert await receive(ws) == {"id": op_id, "type": "complete"}
    return message["payload"]  # type: ignore[no-any-return]


def metric_samples(stack: Stack) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = httpx.get(f"{stack.api.url}/metrics", timeout=10).text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_watch_a_prebooking_from_pending_to_completed(stack: Stack) -> None:
    token = stack.token("watcher@example.com")
    connect_box(stack, token, "watcher@box.example")
    demo = stack.fake_class(opens_in=5)
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                           "day": demo["day"], "opensAt": demo["opensAt"]}},
                        token=token)["data"]["createPrebooking"]
    assert created["__typename"] == "Prebooking" and created["status"] == "PENDING", created
    before = metric_samples(stack)

    async with graphql_ws(stack, payload={"Authorization": f"Bearer {token}"}) as ws:
        await expect_ack(ws)
        await ws.send(json.dumps({"id": "updates", "type": "subscribe", "payload": {
            "query": UPDATES, "variables": {"id": created["id"]}}}))
        now = await run_once(ws, "now", STATUS, {"id": created["id"]})
        statuses = [now["data"]["prebooking"]["status"]]
        while statuses[-1] not in FINAL:
            message = await receive(ws)
            assert message["id"] == "updates" and message["type"] == "next", message
            update = message["payload"]["data"]["prebookingUpdates"]
            assert update["id"] == created["id"]
            if update["status"] != statuses[-1]:
                statuses.append(update["status"])
        await ws.send(json.dumps({"id": "updates", "type": "complete"}))

    assert statuses == ["PENDING", "EXECUTING", "COMPLETED"]
    assert update["outcome"] == "BOOKED" and update["latenessMs"] >= 0

    # The COMPLETED event goes out while the delivery is still answering: its own metrics
    # are counted when it returns, a moment later.
    delivered = ("prebook_job_deliveries_total", frozenset(
        {"job": "prebooking.execute", "status": "200", "result": "ok"}.items()))
    for _ in range(100):
        after = await asyncio.to_thread(metric_samples, stack)
        if after.get(delivered, 0.0) > before.get(delivered, 0.0):
            break
        await asyncio.sleep(0.05)

    def grew(name: str, **labels: str) -> bool:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) > before.get(key, 0.0)

    assert grew("prebook_job_deliveries_total", job="prebooking.execute", status="200",
                result="ok")
    assert grew("prebook_job_duration_seconds_count", job="prebooking.execute", result="ok")
    assert grew("prebook_firing_lateness_seconds_count")
    assert grew("prebook_prebooking_outcomes_total", status="COMPLETED", outcome="BOOKED")
    # Published while creating, before `before` was read: present, not necessarily grown.
    assert after[("prebook_qstash_publish_seconds_count",
                  frozenset({("job", "prebooking.execute"), ("result", "ok")}))] >= 1


@pytest.mark.parametrize("where", ["header", "payload-lowercase", "payload-bare-token"])
async def test_the_token_may_come_in_the_header_or_connection_init(stack: Stack,
                                                                   where: str) -> None:
    token = stack.token(f"ws-{where}@example.com")
    options: dict[str, Any] = {
        "header": {"headers": {"Authorization": f"Bearer {token}"}},
        "payload-lowercase": {"payload": {"authorization": f"Bearer {token}"}},
        "payload-bare-token": {"payload": {"Authorization": token}},
    }[where]
    async with graphql_ws(stack, **options) as ws:
        await expect_ack(ws)
        me = await run_once(ws, "me", "{ me { email } }")
    assert me == {"data": {"me": {"email": f"ws-{where}@example.com"}}}


async def test_a_bad_token_is_refused_at_connection_init(stack: Stack) -> None:
    async with graphql_ws(stack, payload={"Authorization": "Bearer not-a-jwt"}) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws, within=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_without_a_token_the_subscription_is_refused(stack: Stack) -> None:
    async with graphql_ws(stack) as ws:
        await expect_ack(ws)
        await ws.send(json.dumps({"id": "s", "type": "subscribe",
                                  "payload": {"query": UPDATES, "variables": {}}}))
        message = await receive(ws)
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["message"] == "authentication required"
