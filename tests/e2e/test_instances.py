"""Two `prebook serve` instances on one PostgreSQL and one QStash: what a fleet must hold.

A subscription on one instance sees the other's execution (LISTEN/NOTIFY), fifty duplicate
deliveries split over both book once (the conditional claim), and the connect limit counts the
attempts made on both (kept in the database). PostgreSQL only: it is what a fleet runs on.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from qstash import QStash

from fakebox import FakeBoxConfig
from fakebox import create_app as create_fakebox
from jobs import catalog
from jobs.payloads import ExecutePrebooking
from localqstash import DEV_TOKEN, LocalQStashConfig
from localqstash import create_app as create_localqstash
from models.migrate import apply_migrations
from tests.e2e.jobkit import enqueue, raw_id
from tests.e2e.test_deliveries import PATH, signature
from tests.e2e.test_scenario import book_requests, wait_final
from tests.e2e.test_subscriptions import UPDATES, expect_ack, graphql_ws, receive
from tests.postgres import fresh_database
from tests.processes import ChildProcess, answers
from tests.servers import free_port, serve
from tests.stack import CONNECT, RemoteServer, Stack, child_env, stack_settings

pytestmark = pytest.mark.skipif(
    os.environ.get("PREBOOK_TEST_DATABASE") != "postgres",
    reason="a fleet runs on PostgreSQL: this runs in make test's PostgreSQL run "
           "(PREBOOK_TEST_DATABASE=postgres)")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Stack]]:
    tmp = tmp_path_factory.mktemp("fleet")
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database())
        asyncio.run(apply_migrations(url))
        qstash = stack.enter_context(
            serve(create_localqstash(LocalQStashConfig(data_dir=tmp / "localqstash"))))
        fakebox = stack.enter_context(serve(create_fakebox(FakeBoxConfig())))
        instances = []
        for name in ("a", "b"):
            port = free_port()
            (tmp / name).mkdir()
            settings = stack_settings(tmp / name, api_port=port, qstash_url=qstash.url,
                                     fakebox_url=fakebox.url, database_url=url)
            child = ChildProcess(["serve"], answers(f"http://127.0.0.1:{port}/health"),
                                 child_env(settings))
            stack.callback(child.stop)
            child.start()
            instances.append(Stack(api=RemoteServer(port), qstash=qstash,  # type: ignore[arg-type]
                                   fakebox=fakebox, settings=settings))
        yield instances[0], instances[1]


async def updates(ws: Any) -> dict[str, Any]:
    message = await receive(ws, within=30)
    assert message["type"] == "next", message
    return message["payload"]["data"]["prebookingUpdates"]  # type: ignore[no-any-return]


async def test_a_subscription_on_one_instance_sees_the_others_execution(
        fleet: tuple[Stack, Stack]) -> None:
    a, b = fleet
    token, node_id, demo = a.prebook("fleet-watch@example.com", opens_in=4)
    # Only B will run it: A's own message is cancelled, and the execute job goes to B.
    QStash(DEV_TOKEN, base_url=a.qstash.url).message.cancel(
        a.prebooking(token, node_id)["qstashMessageId"])
    async with graphql_ws(a, payload={"Authorization": f"Bearer {token}"}) as ws:
        await expect_ack(ws)
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": UPDATES, "variables": {}}}))
        # Proof that the subscription listens: a prebooking made on A shows up on it.
        probe = await asyncio.to_thread(a.prebook, "fleet-watch@example.com", 3600)
        while (await updates(ws))["id"] != probe[1]:
            pass
        await asyncio.to_thread(enqueue, b, catalog.EXECUTE_PREBOOKING,
                                ExecutePrebooking(prebooking_id=raw_id(node_id)))
        seen: list[str] = []
        while not seen or seen[-1] not in ("COMPLETED", "FAILED"):
            update = await updates(ws)
            if update["id"] == node_id:
                seen.append(update["status"])
    assert seen == ["EXECUTING", "COMPLETED"]
    assert len(book_requests(a, demo["id"])) == 1
    async with httpx.AsyncClient(timeout=10) as client:
        deliveries = (await client.get(f"{b.api.url}/metrics")).text
    assert 'prebook_job_deliveries_total{job="prebooking.execute",result="ok"' in deliveries


def test_fifty_duplicate_deliveries_split_over_both_book_once(
        fleet: tuple[Stack, Stack]) -> None:
    a, b = fleet
    token, node_id, demo = a.prebook("fleet-dup@example.com", opens_in=3)
    QStash(DEV_TOKEN, base_url=a.qstash.url).message.cancel(
        a.prebooking(token, node_id)["qstashMessageId"])
    body = json.dumps({"prebookingId": raw_id(node_id)}).encode()

    async def storm() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*(
                client.post(target.api.url + PATH, content=body, headers={
                    "Upstash-Signature": signature(body, target.settings.server.public_url + PATH),
                    "Upstash-Message-Id": "msg_fleet" if i % 2 else f"msg_fleet_{i}",
                    "Content-Type": "application/json"})
                for i, target in ((i, (a, b)[i % 2]) for i in range(50))))

    replies = asyncio.run(storm())
    assert {r.status_code for r in replies} == {200}, [r.text for r in replies][:3]
    final = wait_final(a, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED"
    assert len(book_requests(a, demo["id"])) == 1
    ran = [json.loads(r.text) for r in replies]
    assert sum(1 for r in ran if (r.get("result") or {}).get("ran")) == 1, ran[:5]


def test_the_connect_limit_counts_attempts_on_both_instances(
        fleet: tuple[Stack, Stack]) -> None:
    a, b = fleet
    token = a.token("fleet-hammer@example.com")
    replies = [(a, b)[i % 2].gql(CONNECT, {"email": f"fleet-target{i}@example.com",
                                           "password": "guess"}, token=token)
               for i in range(6)]
    assert [r["data"]["connectAimharder"]["__typename"] for r in replies[:5]] == [
        "InvalidCredentials"] * 5
    assert replies[5]["data"] is None  # the sixth, on B, after three on each
    assert replies[5]["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    again = a.gql(CONNECT, {"email": "fleet-target9@example.com", "password": "guess"},
                  token=token)
    assert again["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
