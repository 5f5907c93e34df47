"""State survives restarts; the bounded in-memory window loses nothing."""

from __future__ import annotations

import dataclasses
import time

from qstash import QStash

from localqstash import DEV_TOKEN, LocalQStashConfig, create_app
from tests.localqstash.sink import Answer, Sink, wait_for
from tests.servers import serve


def test_message_due_while_down_is_delivered_once_after_restart(
    config: LocalQStashConfig, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    due = int(time.time()) + 2
    with serve(create_app(config)) as server:
        client = QStash(DEV_TOKEN, base_url=server.url, retry=False)
        res = client.message.publish(url=f"{base}/later", body="x", not_before=due)
        far = client.message.publish(url=f"{base}/far", body="y", delay="1h")
    wait_for(lambda: time.time() > due + 0.3, timeout=5)
    assert recorder.at("/later") == []
    with serve(create_app(config)) as server:
        client = QStash(DEV_TOKEN, base_url=server.url, retry=False)
        wait_for(lambda: len(recorder.at("/later")) == 1)
        assert recorder.at("/later")[0].headers["upstash-message-id"] == res.message_id
        assert client.message.get(far.message_id).url == f"{base}/far"
        time.sleep(0.3)
    with serve(create_app(config)):
        time.sleep(0.3)
    assert len(recorder.at("/later")) == 1


def test_in_flight_delivery_finishes_during_shutdown(
    config: LocalQStashConfig, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    recorder.script("/slow", Answer(200, sleep=0.5))
    with serve(create_app(config)) as server:
        QStash(DEV_TOKEN, base_url=server.url, retry=False).message.publish(
            url=f"{base}/slow", body="x")
        wait_for(lambda: len(recorder.at("/slow")) == 1)
    with serve(create_app(config)):
        time.sleep(0.3)
    assert len(recorder.at("/slow")) == 1


def test_small_window_still_delivers_everything_once_and_never_early(
    config: LocalQStashConfig, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    small = dataclasses.replace(config, window_seconds=0.4, window_capacity=5)
    with serve(create_app(small)) as server:
        client = QStash(DEV_TOKEN, base_url=server.url, retry=False)
        due = int(time.time()) + 2
        for i in range(12):
            client.message.publish(url=f"{base}/w/{i}", body=str(i), not_before=due + i % 2)
        wait_for(lambda: len(recorder.requests) == 12)
        time.sleep(0.3)
    assert len(recorder.requests) == 12
    assert len({r.path for r in recorder.requests}) == 12
    for r in recorder.requests:
        assert r.at >= due + int(r.path.rsplit("/", 1)[1]) % 2


def test_window_never_holds_more_than_its_capacity(
    config: LocalQStashConfig, sink: tuple[Sink, str]
) -> None:
    recorder, base = sink
    app = create_app(dataclasses.replace(config, window_capacity=5))
    with serve(app) as server:
        client = QStash(DEV_TOKEN, base_url=server.url, retry=False)
        due = int(time.time()) + 2
        client.message.batch([
            {"url": f"{base}/cap/{i}", "body": str(i), "not_before": due} for i in range(40)
        ])
        assert app.state.services.scheduler.in_memory <= 5
        wait_for(lambda: len(recorder.requests) == 40)
        time.sleep(0.3)
    assert sorted(r.path for r in recorder.requests) == sorted(f"/cap/{i}" for i in range(40))
    assert all(r.at >= due for r in recorder.requests)
