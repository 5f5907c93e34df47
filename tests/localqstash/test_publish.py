"""Publishing through the official SDK and the signed deliveries that follow."""

from __future__ import annotations

import time

import httpx
import pytest
from qstash import AsyncQStash, QStash, Receiver
from qstash.errors import QStashError

from localqstash import DEV_TOKEN
from tests.localqstash.sink import Sink, await_for, wait_for
from tests.servers import ServerThread


def test_wrong_or_missing_token_is_401(server: ServerThread) -> None:
    with httpx.Client(base_url=server.url) as http:
        missing = http.get("/v2/keys")
        wrong = http.get("/v2/keys", headers={"Authorization": "Bearer nope"})
    assert missing.status_code == wrong.status_code == 401
    assert "error" in missing.json() and "error" in wrong.json()
    with pytest.raises(QStashError, match="401"):
        QStash("wrong", base_url=server.url, retry=False).signing_key.get()


def test_unknown_route_is_json_404(server: ServerThread) -> None:
    with httpx.Client(base_url=server.url) as http:
        answer = http.get("/v2/nothing", headers={"Authorization": f"Bearer {DEV_TOKEN}"})
    assert answer.status_code == 404
    assert "error" in answer.json()


def test_keys(client: QStash) -> None:
    keys = client.signing_key.get()
    assert keys.current.startswith("sig_") and keys.next.startswith("sig_")


def test_publish_delivers_a_verifiable_signed_request(
    client: QStash, sink: tuple[Sink, str], receiver: Receiver
) -> None:
    recorder, base = sink
    url = f"{base}/api/jobs/run?x=1&y=two"
    res = client.message.publish(
        url=url,
        body='{"hello": "wörld"}',
        content_type="application/json",
        headers={"X-Trace": "abc"},
        label="demo",
    )
    assert res.message_id.startswith("msg_") and not res.deduplicated
    wait_for(lambda: len(recorder.at("/api/jobs/run")) == 1)
    got = recorder.at("/api/jobs/run")[0]
    assert got.method == "POST"
    assert got.query == "x=1&y=two"
    assert got.body == '{"hello": "wörld"}'.encode()
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-trace"] == "abc"
    assert got.headers["upstash-message-id"] == res.message_id
    assert got.headers["upstash-retried"] == "0"
    assert got.headers["user-agent"] == "Upstash-QStash"
    receiver.verify(signature=got.headers["upstash-signature"], body=got.body.decode(), url=url)
    with pytest.raises(QStashError):
        receiver.verify(signature=got.headers["upstash-signature"], body=got.body.decode(),
                        url=f"{base}/elsewhere")


def test_method_override(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    client.message.publish(url=f"{base}/put", body="x", method="PUT")
    wait_for(lambda: len(recorder.at("/put")) == 1)
    assert recorder.at("/put")[0].method == "PUT"


async def test_not_before_is_never_early(aclient: AsyncQStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    due = int(time.time()) + 2
    await aclient.message.publish_json(url=f"{base}/nb", body={"a": 1}, not_before=due)
    await await_for(lambda: len(recorder.at("/nb")) == 1, limit=10)
    lateness = recorder.at("/nb")[0].at - due
    assert 0 <= lateness < 1.0


async def test_delay(aclient: AsyncQStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    start = time.time()
    await aclient.message.publish(url=f"{base}/delay", body="d", delay="1s")
    await await_for(lambda: len(recorder.at("/delay")) == 1)
    assert recorder.at("/delay")[0].at - start >= 1.0


def test_deduplication_id(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    due = int(time.time()) + 1
    first = client.message.publish(url=f"{base}/dd", body="1", deduplication_id="pb-1",
                                   not_before=due)
    second = client.message.publish(url=f"{base}/dd", body="2", deduplication_id="pb-1",
                                    not_before=due)
    assert second.message_id == first.message_id
    assert second.deduplicated and not first.deduplicated
    wait_for(lambda: len(recorder.at("/dd")) == 1)
    time.sleep(0.3)
    assert len(recorder.at("/dd")) == 1


def test_content_based_deduplication(client: QStash, sink: tuple[Sink, str]) -> None:
    _, base = sink
    a = client.message.publish(url=f"{base}/cb", body="same", content_based_deduplication=True)
    b = client.message.publish(url=f"{base}/cb", body="same", content_based_deduplication=True)
    c = client.message.publish(url=f"{base}/cb", body="other", content_based_deduplication=True)
    assert a.message_id == b.message_id and b.deduplicated
    assert c.message_id != a.message_id and not c.deduplicated


def test_invalid_headers_are_400(server: ServerThread, sink: tuple[Sink, str]) -> None:
    _, base = sink
    auth = {"Authorization": f"Bearer {DEV_TOKEN}"}
    with httpx.Client(base_url=server.url, headers=auth) as http:
        for bad in ({"Upstash-Retry-Delay": "__import__('os')"}, {"Upstash-Delay": "soon"},
                    {"Upstash-Retries": "many"}, {"Upstash-Not-Before": "tomorrow"}):
            answer = http.post(f"/v2/publish/{base}/x", content=b"x", headers=bad)
            assert answer.status_code == 400, bad
            assert "error" in answer.json()
        assert http.post("/v2/publish/not-a-url", content=b"x").status_code == 400


def test_batch_and_enqueue(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    results = client.message.batch_json([
        {"url": f"{base}/b1", "body": {"n": 1}},
        {"url": f"{base}/b2", "body": {"n": 2}, "headers": {"X-N": "2"}},
    ])
    assert len(results) == 2
    queued = client.message.enqueue_json(queue="jobs", url=f"{base}/q", body={"n": 3})
    wait_for(lambda: all(recorder.at(p) for p in ("/b1", "/b2", "/q")))
    assert recorder.at("/b2")[0].headers["x-n"] == "2"
    assert recorder.at("/q")[0].headers["upstash-message-id"] == queued.message_id
