"""Cron schedules through the SDK (a sixth, seconds field keeps the test short)."""

from __future__ import annotations

import time

import pytest
from qstash import QStash
from qstash.errors import QStashError

from tests.localqstash.sink import Sink, wait_for


def test_schedule_lifecycle(client: QStash, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    schedule_id = client.schedule.create(destination=f"{base}/tick", cron="* * * * * *",
                                         body="t", headers={"X-S": "1"}, retries=1)
    wait_for(lambda: len(recorder.at("/tick")) >= 2, timeout=5)
    got = recorder.at("/tick")[0]
    assert got.headers["upstash-schedule-id"] == schedule_id and got.headers["x-s"] == "1"
    schedule = client.schedule.get(schedule_id)
    assert schedule.cron == "* * * * * *" and schedule.destination == f"{base}/tick"
    assert schedule.retries == 1 and not schedule.paused
    assert schedule.last_schedule_time and schedule.next_schedule_time
    assert [s.schedule_id for s in client.schedule.list()] == [schedule_id]

    client.schedule.pause(schedule_id)
    assert client.schedule.get(schedule_id).paused
    time.sleep(0.2)
    count = len(recorder.at("/tick"))
    time.sleep(1.5)
    assert len(recorder.at("/tick")) == count
    client.schedule.resume(schedule_id)
    wait_for(lambda: len(recorder.at("/tick")) > count, timeout=5)

    client.schedule.delete(schedule_id)
    with pytest.raises(QStashError, match="404"):
        client.schedule.get(schedule_id)


def test_upsert_by_id_and_validation(client: QStash, sink: tuple[Sink, str]) -> None:
    _, base = sink
    first = client.schedule.create(destination=f"{base}/a", cron="0 9 * * *", schedule_id="daily")
    second = client.schedule.create(destination=f"{base}/b",
                                    cron="CRON_TZ=Europe/Madrid 0 9 * * 1", schedule_id="daily")
    assert first == second == "daily"
    [schedule] = client.schedule.list()
    assert schedule.destination == f"{base}/b" and schedule.cron.startswith("CRON_TZ=")
    with pytest.raises(QStashError, match="400"):
        client.schedule.create(destination=f"{base}/a", cron="not a cron")
    with pytest.raises(QStashError, match="400"):
        client.schedule.create(destination=f"{base}/a", cron="CRON_TZ=Nowhere/Land 0 9 * * *")
