"""The app killed (SIGKILL) mid-way and restarted: every prebooking ends final, none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from booking.fakebox import FakeBoxConfig
from booking.fakebox import create_app as create_fakebox
from jobs import catalog
from jobs.payloads import NoPayload
from localqstash import LocalQStashConfig
from localqstash import create_app as create_localqstash
from tests.e2e.jobkit import enqueue, eventually
from tests.e2e.test_scenario import CREATE, GET, book_requests, connect
from tests.servers import free_port, serve
from tests.stack import DEMO_BOX_ID, Stack, stack_settings


class AppProcess:
    """`prebook serve` in a child process, so it can be killed like a crashing server."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"],
                                        env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        eventually(self._healthy, timeout=30, what="the app to start")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).is_success
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


@pytest.fixture(scope="module")
def crashable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, AppProcess]]:
    tmp: Path = tmp_path_factory.mktemp("crash")
    with ExitStack() as stack:
        qstash = stack.enter_context(
            serve(create_localqstash(LocalQStashConfig(data_dir=tmp / "localqstash"))))
        fakebox = stack.enter_context(serve(create_fakebox(FakeBoxConfig())))
        port = free_port()
        settings = stack_settings(tmp, api_port=port, qstash_url=qstash.url,
                                 fakebox_url=fakebox.url, stuck_after_s=2.0,
                                 answer_timeout_s=3.0, too_early_window_ms=1000)
        env = {**os.environ, "PREBOOK_ENV": "dev", "PREBOOK_PORT": str(port),
               "DATABASE_URL": settings.database_url, "PUBLIC_URL": settings.public_url,
               "QSTASH_URL": qstash.url, "AIMHARDER_LOGIN_URL": fakebox.url,
               "AIMHARDER_BOX_URL": settings.aimharder_box_url, "PREBOOK_LEAD_SECONDS": "1",
               "PREBOOK_STUCK_AFTER_S": "2",
               "PREBOOK_ANSWER_TIMEOUT_S": "3", "PREBOOK_RETRY_WINDOW_MS": "1000",
               "PREBOOK_DATA_DIR": str(tmp)}
        app = AppProcess(env, port)
        stack.callback(app.stop)
        app.start()
        yield Stack(api=_Fixed(port), qstash=qstash, fakebox=fakebox,  # type: ignore[arg-type]
                    settings=settings), app


class _Fixed:
    """Stands in for a ServerThread: the API runs in a child process on a known port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"


def prebook(stack: Stack, member: str, opens_in: float) -> tuple[str, str, dict[str, str]]:
    token = stack.token(member)
    connect(stack, token, "box-" + member)
    demo = stack.fake_class(opens_in=opens_in)
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                           "day": demo["day"], "opensAt": demo["opensAt"]}},
                        token=token)
    return token, created["data"]["createPrebooking"]["id"], demo


def state(stack: Stack, token: str, node_id: str) -> dict[str, object]:
    return stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"]  # type: ignore[no-any-return]


def sweep_until_final(stack: Stack, token: str, node_id: str) -> dict[str, object]:
    def final() -> dict[str, object] | None:
        current = state(stack, token, node_id)
        if current["status"] in ("COMPLETED", "FAILED"):
            return current
        enqueue(stack, catalog.PREBOOKINGS_SWEEP, NoPayload())  # as the minutely schedule does
        time.sleep(0.5)
        return None

    return eventually(final, timeout=40, what="a final state")  # type: ignore[no-any-return]


def until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def test_killed_while_waiting_for_the_opening(crashable: tuple[Stack, AppProcess]) -> None:
    stack, app = crashable
    token, node_id, demo = prebook(stack, "waiting@example.com", opens_in=4)
    opens_at = datetime.fromisoformat(demo["opensAt"])
    eventually(lambda: state(stack, token, node_id)["status"] == "EXECUTING", timeout=10,
               what="the delivery to claim it")
    until(opens_at - timedelta(milliseconds=400))
    app.kill()
    app.start()
    final = sweep_until_final(stack, token, node_id)
    assert final["status"] == "FAILED", final
    assert "interrupted" in str(final["errorMessage"])
    assert book_requests(stack, demo["id"]) == []  # nothing was sent, then or after


def test_killed_right_after_sending(crashable: tuple[Stack, AppProcess]) -> None:
    stack, app = crashable
    token, node_id, demo = prebook(stack, "sent@example.com", opens_in=4)
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
