"""The app killed (SIGKILL) mid-way and restarted: every prebooking ends final, none twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from fakebox import FakeBoxConfig
from fakebox import create_app as create_fakebox
from jobs import catalog
from jobs.payloads import NoPayload
from localqstash import LocalQStashConfig
from localqstash import create_app as create_localqstash
from tests.e2e.jobkit import enqueue, eventually
from tests.e2e.test_scenario import book_requests
from tests.processes import ChildProcess, answers
from tests.servers import free_port, serve
from tests.stack import RemoteServer, Stack, child_env, stack_settings


@pytest.fixture(scope="module")
def crashable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, ChildProcess]]:
    tmp: Path = tmp_path_factory.mktemp("crash")
    with ExitStack() as stack:
        qstash = stack.enter_context(
            serve(create_localqstash(LocalQStashConfig(data_dir=tmp / "localqstash"))))
        fakebox = stack.enter_context(serve(create_fakebox(FakeBoxConfig())))
        port = free_port()
        settings = stack_settings(tmp, api_port=port, qstash_url=qstash.url,
                                 fakebox_url=fakebox.url, PREBOOK_STUCK_AFTER_S=2,
                                 PREBOOK_ANSWER_TIMEOUT_S=3, PREBOOK_RETRY_WINDOW_MS=1000)
        env = child_env(settings)
        app = ChildProcess(["serve"], answers(f"http://127.0.0.1:{port}/health"), env)
        stack.callback(app.stop)
        app.start()
        yield Stack(api=RemoteServer(port), qstash=qstash, fakebox=fakebox,  # type: ignore[arg-type]
                    settings=settings), app


def sweep_until_final(stack: Stack, token: str, node_id: str) -> dict[str, object]:
    def final() -> dict[str, object] | None:
        current = stack.prebooking(token, node_id)
        if current["status"] in ("COMPLETED", "FAILED"):
            return current
        enqueue(stack, catalog.PREBOOKINGS_SWEEP, NoPayload())  # as the minutely schedule does
        time.sleep(0.5)
        return None

    return eventually(final, timeout=40, what="a final state")  # type: ignore[no-any-return]


def until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def test_killed_while_waiting_for_the_opening(crashable: tuple[Stack, ChildProcess]) -> None:
    stack, app = crashable
    token, node_id, demo = stack.prebook("waiting@example.com", opens_in=4)
    opens_at = datetime.fromisoformat(demo["opensAt"])
    eventually(lambda: stack.prebooking(token, node_id)["status"] == "EXECUTING", timeout=10,
               what="the delivery to claim it")
    until(opens_at - timedelta(milliseconds=400))
    app.kill()
    app.start()
    final = sweep_until_final(stack, token, node_id)
    assert final["status"] == "FAILED", final
    assert "interrupted" in str(final["errorMessage"])
    assert book_requests(stack, demo["id"]) == []  # nothing was sent, then or after


def test_killed_right_after_sending(crashable: tuple[Stack, ChildProcess]) -> None:
    stack, app = crashable
    token, node_id, demo = stack.prebook("sent@example.com", opens_in=4)
    opens_at = datetime.fromisoformat(demo["opensAt"])
    httpx.post(f"{stack.fakebox.url}/_fake/faults", json={"delayMs": 1500, "count": 1})
    until(opens_at + timedelta(milliseconds=400))  # sent at the opening; the answer is slow
    app.kill()
    app.start()
    final = sweep_until_final(stack, token, node_id)
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", (
        final["errorMessage"], [r["answer"] for r in book_requests(stack, demo["id"])])
    assert "booking list shows it booked" in str(final["errorMessage"])
    assert len(book_requests(stack, demo["id"])) == 1  # one booking request, ever
