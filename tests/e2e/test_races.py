"""At-least-once deliveries, concurrent requests and cancels racing the opening instant."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from qstash import QStash

from localqstash import DEV_TOKEN
from tests.e2e.jobkit import raw_id
from tests.e2e.test_deliveries import PATH, signature
from tests.e2e.test_scenario import CREATE, GET, book_requests, connect, wait_final
from tests.stack import DEMO_BOX_ID, Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Concurrency is checked once on each database: on SQLite in the first run of `make test`,
    on PostgreSQL (the production one) in its second (PREBOOK_TEST_DATABASE=postgres)."""
    with running_stack(tmp_path_factory.mktemp("races")) as running:
        yield running


def test_fifty_concurrent_copies_of_a_delivery_book_once(stack: Stack) -> None:
    token, node_id, demo = stack.prebook(f"dup-{stack.settings.server.port}@example.com", 3)
    message_id = stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"][
        "qstashMessageId"]
    QStash(DEV_TOKEN, base_url=stack.qstash.url).message.cancel(message_id)
    body = json.dumps({"prebookingId": raw_id(node_id)}).encode()
    url = stack.settings.server.public_url + PATH

    async def storm() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(*(
                client.post(stack.api.url + PATH, content=body, headers={
                    "Upstash-Signature": signature(body, url),
                    # half the copies repeat one message id, half are distinct messages
                    "Upstash-Message-Id": "msg_same" if i % 2 else f"msg_copy_{i}",
                    "Upstash-Retried": str(i % 3), "Content-Type": "application/json"})
                for i in range(50)))

    answers = asyncio.run(storm())
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers][:3]
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED"
    assert len(book_requests(stack, demo["id"])) == 1


def test_concurrent_creates_give_one_prebooking(stack: Stack) -> None:
    member = f"twice-{stack.settings.server.port}@example.com"
    token = stack.token(member)
    connect(stack, token, "box-" + member)
    demo = stack.fake_class(opens_in=3600)
    payload = {"query": CREATE, "variables": {"input": {
        "boxId": DEMO_BOX_ID, "classId": demo["id"], "day": demo["day"],
        "opensAt": demo["opensAt"]}}}

    async def both() -> list[dict[str, object]]:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(*(
                client.post(f"{stack.api.url}/graphql", json=payload,
                            headers={"Authorization": f"Bearer {token}"}) for _ in range(8)))
        return [a.json()["data"]["createPrebooking"] for a in answers]

    results = asyncio.run(both())
    kinds = sorted(r["__typename"] for r in results)  # type: ignore[type-var]
    assert kinds == ["DuplicatePrebooking"] * 7 + ["Prebooking"], results
    listing = stack.gql("{ prebookings(status: [PENDING]) { edges { node { classId } } } }",
                        token=token)
    assert [e["node"]["classId"] for e in listing["data"]["prebookings"]["edges"]] == [
        demo["id"]]


@pytest.mark.parametrize("offset_ms", [-1050, -950, 0])
def test_cancel_racing_the_delivery_never_both_books_and_cancels(
    stack: Stack, offset_ms: int
) -> None:
    """Cancel sent around the delivery's arrival (opening - 1 s lead) and the opening."""
    member = f"race{offset_ms}-{stack.settings.server.port}@example.com"
    token, node_id, demo = stack.prebook(member, 3)
    opens_at = datetime.fromisoformat(demo["opensAt"])
    while datetime.now(UTC) < opens_at + timedelta(milliseconds=offset_ms):
        time.sleep(0.001)
    cancel = stack.gql("mutation($id: ID!) { cancelPrebooking(id: $id) { __typename "
                       "... on Prebooking { status } } }", {"id": node_id}, token=token)
    kind = cancel["data"]["cancelPrebooking"]["__typename"]
    time.sleep(max(0.0, (opens_at - datetime.now(UTC)).total_seconds()) + 1.5)
    final = stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"]
    requests = book_requests(stack, demo["id"])
    if kind == "Prebooking":
        assert final["status"] == "CANCELLED" and requests == []
    else:
        assert kind == "AlreadyExecuted"
        assert final["status"] in {"EXECUTING", "COMPLETED"} and len(requests) == 1
