"""localqstash killed (SIGKILL) with 1,000 scheduled messages, then restarted."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from qstash import QStash

from localqstash import DEV_TOKEN
from tests.localqstash.sink import Answer, Sink, wait_for
from tests.processes import ChildProcess, answers
from tests.servers import free_port

N = 1000
# Deliveries in flight at once, below N: the most a kill can catch in flight, so the most
# that may come twice.
CONCURRENCY = 250


class QStashProcess(ChildProcess):
    """`prebook qstash-dev` on a free port with its data under `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(["qstash-dev", "--port", str(self.port), "--data-dir", str(data_dir),
                          "--max-concurrency", str(CONCURRENCY)],
                         answers(f"{self.url}/v2/keys", {"Authorization": f"Bearer {DEV_TOKEN}"}))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[QStashProcess]:
    process = QStashProcess(tmp_path / "lq")
    process.start()
    try:
        yield process
    finally:
        process.stop()


def publish(server: QStashProcess, base: str, due: int) -> set[str]:
    client = QStash(DEV_TOKEN, base_url=server.url)
    ids: set[str] = set()
    for start in range(0, N, 100):
        batch = client.message.batch_json([
            {"url": f"{base}/m", "body": {"i": i}, "not_before": due}
            for i in range(start, start + 100)])
        ids |= {r.message_id for r in batch}  # type: ignore[union-attr]
    return ids


def delivered(sink: Sink) -> Counter[str]:
    return Counter(r.headers["upstash-message-id"] for r in sink.at("/m"))


def test_killed_before_the_due_instant(server: QStashProcess, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    due = int(time.time()) + 4
    ids = publish(server, base, due)
    assert len(ids) == N
    server.kill()
    wait_for(lambda: time.time() > due + 0.5, timeout=10)  # due while down
    server.start()
    wait_for(lambda: len(delivered(recorder)) == N, timeout=60)
    time.sleep(1)
    counts = delivered(recorder)
    assert set(counts) == ids and set(counts.values()) == {1}  # all, each exactly once


def test_killed_in_the_middle_of_the_burst(server: QStashProcess, sink: tuple[Sink, str]) -> None:
    recorder, base = sink
    recorder.script("/m", *[Answer(sleep=1.0)] * N)  # a slow destination: many in flight
    due = int(time.time()) + 4
    ids = publish(server, base, due)
    wait_for(lambda: len(recorder.at("/m")) >= N // 10, timeout=20)
    server.kill()  # well within the second the destination holds the first wave
    server.start()
    wait_for(lambda: len(delivered(recorder)) == N, timeout=60)
    time.sleep(1)
    counts = delivered(recorder)
    assert set(counts) == ids  # nothing lost
    # At-least-once: what was in flight at the kill comes again, once; nothing else does.
    repeats = sum(c - 1 for c in counts.values())
    assert max(counts.values()) == 2, counts.most_common(3)
    assert 0 < repeats <= CONCURRENCY, repeats
