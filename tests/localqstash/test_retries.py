"""Retries, backoff, the DLQ and callbacks, driven through real failing destinations."""

from __future__ import annotations

import json

from qstash import QStash

from tests.localqstash.sink import Answer, Sink, wait_for
from tests.servers import free_port


def test_retry_delay_expression_and_retried_header(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    recorder.script("/flaky", Answer(500), Answer(503))
    res = client.message.publish(url=f"{base}/flaky", body="x", retries=3,
                                 retry_delay="200 * pow(2, retried)")
    wait_for(lambda: len(recorder.at("/flaky")) == 3)
    got = recorder.at("/flaky")
    assert [r.headers["upstash-retried"] for r in got] == ["0", "1", "2"]
    assert {r.headers["upstash-message-id"] for r in got} == {res.message_id}
    assert got[1].at - got[0].at >= 0.2  # retried=0 -> 200 ms
    assert got[2].at - got[1].at >= 0.4  # retried=1 -> 400 ms
    states = [e.state.value for e in client.log.list(filter={"message_id": res.message_id}).logs]
    assert states.count("RETRY") == 2 and states[0] == "DELIVERED"


def test_retry_after_header_wins(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    recorder.script("/busy", Answer(429, headers={"Retry-After": "1"}))
    client.message.publish(url=f"{base}/busy", body="x", retry_delay="10")
    wait_for(lambda: len(recorder.at("/busy")) == 2)
    got = recorder.at("/busy")
    assert got[1].at - got[0].at >= 1.0


def test_exhausted_retries_go_to_dlq_with_failure_callback(
    client: QStash, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    recorder.script("/down", *[Answer(500, body=b"boom")] * 3)
    res = client.message.publish(url=f"{base}/down", body="payload", retries=2,
                                 retry_delay="50", failure_callback=f"{base}/failed",
                                 label="lbl")
    wait_for(lambda: len(recorder.at("/failed")) == 1)
    assert len(recorder.at("/down")) == 3
    callback = json.loads(recorder.at("/failed")[0].body)
    assert callback["sourceMessageId"] == res.message_id and callback["status"] == 500
    dlq = client.dlq.list(filter={"message_id": res.message_id})
    assert len(dlq.messages) == 1
    entry = dlq.messages[0]
    assert entry.response_status == 500 and entry.response_body == "boom"
    assert entry.body == "payload" and entry.label == "lbl"
    assert client.dlq.get(entry.dlq_id).message_id == res.message_id


def test_non_retryable_489_goes_straight_to_dlq(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    recorder.script("/nope", Answer(489, headers={"Upstash-NonRetryable-Error": "true"}))
    res = client.message.publish(url=f"{base}/nope", body="x", retries=3, retry_delay="10")
    wait_for(lambda: bool(client.dlq.list(filter={"message_id": res.message_id}).messages))
    assert len(recorder.at("/nope")) == 1


def test_connection_refused_is_retried(client: QStash) -> None:
    url = f"http://127.0.0.1:{free_port()}/closed"
    res = client.message.publish(url=url, body="x", retries=1, retry_delay="10")
    wait_for(lambda: bool(client.dlq.list(filter={"message_id": res.message_id}).messages))
    logs = client.log.list(filter={"message_id": res.message_id}).logs
    assert [e.state.value for e in logs].count("ERROR") == 2


def test_callback_after_delivery(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    recorder.script("/ok", Answer(200, body=b"fine"))
    res = client.message.publish(url=f"{base}/ok", body="x", callback=f"{base}/cb",
                                 callback_headers={"X-Cb": "1"})
    wait_for(lambda: len(recorder.at("/cb")) == 1)
    got = recorder.at("/cb")[0]
    payload = json.loads(got.body)
    assert payload["sourceMessageId"] == res.message_id and payload["status"] == 200
    assert got.headers["x-cb"] == "1"
