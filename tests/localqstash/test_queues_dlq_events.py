"""Queues, the DLQ API and the event log through the SDK."""

from __future__ import annotations

import time

import httpx
from qstash import QStash
from qstash.log import LogState

from localqstash import DEV_TOKEN
from tests.localqstash.sink import Answer, Sink, wait_for
from tests.servers import ServerThread


def test_queue_delivers_in_order_with_its_parallelism(
    client: QStash, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    client.queue.upsert("serial", parallelism=1)
    recorder.script("/q", *[Answer(200, sleep=0.05)] * 5)
    ids = [client.message.enqueue(queue="serial", url=f"{base}/q", body=str(i)).message_id
           for i in range(5)]
    wait_for(lambda: len(recorder.at("/q")) == 5)
    assert [r.headers["upstash-message-id"] for r in recorder.at("/q")] == ids
    assert recorder.max_active == 1
    wait_for(lambda: client.queue.get("serial").lag == 0)
    queue = client.queue.get("serial")
    assert queue.parallelism == 1 and not queue.paused


def test_paused_queue_holds_messages_until_resumed(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    client.queue.upsert("held", parallelism=2)
    client.queue.pause("held")
    client.message.enqueue(queue="held", url=f"{base}/held", body="x")
    wait_for(lambda: client.queue.get("held").lag == 1)
    time.sleep(0.3)
    assert recorder.at("/held") == [] and client.queue.get("held").paused
    client.queue.resume("held")
    wait_for(lambda: len(recorder.at("/held")) == 1)
    assert [q.name for q in client.queue.list()] == ["held"]
    client.queue.delete("held")
    assert client.queue.list() == []


def test_dlq_list_cursor_delete_and_retry(
    client: QStash, server: ServerThread, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    recorder.script("/dead", *[Answer(500)] * 3)
    for i in range(3):
        client.message.publish(url=f"{base}/dead", body=str(i), retries=0)
    wait_for(lambda: len(client.dlq.list().messages) == 3)
    page = client.dlq.list(count=2)
    assert len(page.messages) == 2 and page.cursor
    rest = client.dlq.list(count=2, cursor=page.cursor)
    assert len(rest.messages) == 1 and rest.cursor is None
    ids = [m.dlq_id for m in page.messages + rest.messages]
    client.dlq.delete(ids[0])
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {DEV_TOKEN}"}) as h:
        retried = h.post(f"/v2/dlq/retry/{ids[1]}")
        assert retried.status_code == 200 and retried.json()["messageId"].startswith("msg_")
    wait_for(lambda: len(recorder.at("/dead")) == 4)
    assert client.dlq.delete_many([ids[2]]) == 1
    assert client.dlq.list().messages == []


def test_event_log_states_and_filters(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    res = client.message.publish(url=f"{base}/ev", body="x", label="tagged")
    wait_for(lambda: len(recorder.at("/ev")) == 1)
    wait_for(lambda: len(client.log.list(filter={"message_id": res.message_id}).logs) == 3)
    logs = client.log.list(filter={"message_id": res.message_id}).logs
    assert [e.state for e in logs] == [LogState.DELIVERED, LogState.ACTIVE, LogState.CREATED]
    assert all(e.url == f"{base}/ev" and e.label == "tagged" for e in logs)
    delivered = client.log.list(filter={"state": LogState.DELIVERED, "label": "tagged"}).logs
    assert [e.message_id for e in delivered] == [res.message_id]
    first = client.log.list(count=1)
    assert len(first.logs) == 1 and first.cursor
