"""Looking messages up and cancelling them."""

from __future__ import annotations

import time

import httpx
import pytest
from qstash import AsyncQStash, QStash
from qstash.errors import QStashError

from localqstash import DEV_TOKEN
from tests.localqstash.sink import Sink, await_for
from tests.servers import ServerThread


async def test_get_message_fields(aclient: AsyncQStash, sink: tuple[Sink, str]) -> None:
    _, base = sink
    due = int(time.time()) + 60
    res = await aclient.message.publish(
        url=f"{base}/later", body="hi", content_type="text/plain", not_before=due, retries=5,
        retry_delay="1000", callback=f"{base}/cb", failure_callback=f"{base}/fcb",
        headers={"X-A": "1"}, label="L", timeout="7s", method="PATCH",
    )
    message = await aclient.message.get(res.message_id)
    assert message.message_id == res.message_id
    assert message.url == f"{base}/later" and message.method == "PATCH"
    assert message.body == "hi" and message.max_retries == 5
    assert message.not_before == due * 1000
    assert abs(message.created_at - time.time() * 1000) < 10_000
    assert message.headers == {"Content-Type": ["text/plain"], "X-A": ["1"]}
    assert message.callback == f"{base}/cb" and message.failure_callback == f"{base}/fcb"
    assert message.retry_delay_expression == "1000" and message.label == "L"


async def test_cancelled_message_is_never_delivered(
    aclient: AsyncQStash, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    due = int(time.time()) + 1
    cancelled = await aclient.message.publish(url=f"{base}/c", body="no", not_before=due)
    await aclient.message.publish(url=f"{base}/k", body="yes", not_before=due)
    await aclient.message.cancel(cancelled.message_id)
    with pytest.raises(QStashError, match="404"):
        await aclient.message.get(cancelled.message_id)
    with pytest.raises(QStashError, match="404"):
        await aclient.message.cancel(cancelled.message_id)
    await await_for(lambda: len(recorder.at("/k")) == 1)
    await __import__("asyncio").sleep(0.2)
    assert recorder.at("/c") == []
    states = [e.state.value
              for e in (await aclient.log.list(filter={"message_id": cancelled.message_id})).logs]
    assert "CANCELED" in states and "DELIVERED" not in states


def test_cancel_many_and_all(client: QStash, server: ServerThread, sink: tuple[Sink, str]) -> None:
    _, base = sink
    later = int(time.time()) + 3600
    ids = [client.message.publish(url=f"{base}/m", body=str(i), not_before=later).message_id
           for i in range(6)]
    assert client.message.cancel_many(ids[:2]) == 2
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {DEV_TOKEN}"}) as h:
        answer = h.delete("/v2/messages", params=[("messageIds", ids[2]), ("messageIds", ids[3])])
        assert answer.json() == {"cancelled": 2}
    assert client.message.cancel_all() == 2
    assert client.message.cancel_all() == 0
