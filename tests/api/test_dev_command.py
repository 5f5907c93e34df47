"""`prebook dev` (what `make run` runs) starts the whole system and books a class."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from api.dev import _check_ports
from tests.servers import free_port, serve


async def oversized_frame_closes(port: int) -> int | None:
    """Sends a websocket frame over the 64 KiB body limit; returns the close code."""
    async with connect(f"ws://127.0.0.1:{port}/graphql", max_size=None,
                       subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"pad": "x" * 1_000_000}}))
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
    return None


CREATE = """mutation($input: CreatePrebookingInput!) { createPrebooking(input: $input) {
  __typename ... on Prebooking { id status } } }"""


def read_banner(process: subprocess.Popen[str], timeout: float = 60) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("query Status"):
            return "".join(lines)
    raise AssertionError("no banner from prebook dev:\n" + "".join(lines))


def dev_env(tmp_path: Path, api: int, qstash: int, box: int) -> dict[str, str]:
    """`prebook dev`'s environment as a new user has it: only the ports and data dir set."""
    env = {**os.environ, "PREBOOK_PORT": str(api), "QSTASH_DEV_PORT": str(qstash),
           "FAKEBOX_PORT": str(box), "PREBOOK_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    for name in ("QSTASH_TOKEN", "AIMHARDER_LOGIN_URL", "DATABASE_URL", "PUBLIC_URL"):
        env.pop(name, None)
    return env


def start_dev(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "api.cli", "dev"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_dev(process: subprocess.Popen[str]) -> None:
    """Ctrl-C, as in a terminal running `make run`."""
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


def refused_by_plain_bind(port: int) -> bool:
    """Whether a bind without SO_REUSEADDR fails: true while the port's old connections linger
    (TIME_WAIT), so a test can show it really left them behind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_dev_runs_everything_and_books(tmp_path: Path) -> None:
    api, qstash, box = free_port(), free_port(), free_port()
    process = start_dev(dev_env(tmp_path, api, qstash, box))
    try:
        banner = read_banner(process)
        assert f"http://127.0.0.1:{api}/graphql" in banner
        assert "nothing outside this machine is contacted" in banner
        match = re.search(r'\{"Authorization": "Bearer [^"]+"\}', banner)
        assert match, banner
        headers = json.loads(match.group(0))
        assert (tmp_path / "prebook.sqlite3").exists()

        def gql(query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
            answer = httpx.post(f"http://127.0.0.1:{api}/graphql", headers=headers, timeout=30,
                                json={"query": query, "variables": variables or {}})
            return answer.json()  # type: ignore[no-any-return]

        # The banner's Connect, with the banner's variables: no password in the document.
        connect = banner[banner.index("mutation Connect"):banner.index("query Classes")]
        assert "$password" in connect and '"wod"' not in connect
        variables = json.loads(banner.split("Variables (GraphiQL variables pane, for Connect):\n",
                                            1)[1].splitlines()[0])
        connected = gql(connect, variables)["data"]["connectAimharder"]  # type: ignore[index]
        assert connected["__typename"] == "AimharderAccount", connected
        assert asyncio.run(oversized_frame_closes(api)) == 1009  # as in production: 64 KiB

        opens_at = datetime.now(UTC) + timedelta(seconds=3)
        start = (opens_at + timedelta(days=4)).astimezone(ZoneInfo("Europe/Madrid"))
        demo = httpx.post(f"http://127.0.0.1:{box}/_fake/classes", json={
            "box": "demo", "day": start.date().isoformat(),
            "time": f"{start:%H:%M}-{(start + timedelta(hours=1)):%H:%M}",
            "opensAt": opens_at.isoformat()}).json()
        created = gql(CREATE, {"input": {"boxId": "10001", "classId": demo["id"],
                                         "day": start.date().isoformat(),
                                         "opensAt": opens_at.isoformat()}})
        prebooking = created["data"]["createPrebooking"]  # type: ignore[index]
        assert prebooking["status"] == "PENDING", created
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = gql("query($id: ID!) { prebooking(id: $id) { status outcome } }",
                        {"id": prebooking["id"]})["data"]["prebooking"]  # type: ignore[index]
            if state["status"] != "PENDING" and state["status"] != "EXECUTING":
                break
            time.sleep(0.2)
        assert state == {"status": "COMPLETED", "outcome": "BOOKED"}
    finally:
        stop_dev(process)
    # The embedded servers stopped with it: their ports are free again.
    for port in (api, qstash, box):
        with httpx.Client() as client:
            try:
                client.get(f"http://127.0.0.1:{port}/", timeout=1)
                raise AssertionError(f"port {port} still answers")
            except httpx.ConnectError:
                pass


def test_a_port_whose_server_just_stopped_is_free_and_a_listened_one_is_not() -> None:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    with httpx.Client() as client, serve(Starlette(routes=[Route("/", hello)])) as server:
        port = server.port
        assert client.get(server.url).text == "hello"  # a keep-alive connection stays open
    # The server closed that connection on shutdown, so its side lingers in TIME_WAIT.
    assert refused_by_plain_bind(port)
    _check_ports({"PREBOOK_PORT": ("API", port)})  # free to uvicorn: no SystemExit

    with socket.create_server(("127.0.0.1", port)):  # someone listens there now
        with pytest.raises(SystemExit, match=rf"already in use: API port {port} \(PREBOOK_PORT\)"):
            _check_ports({"PREBOOK_PORT": ("API", port)})


def test_dev_restarts_at_once_on_the_same_ports(tmp_path: Path) -> None:
    """Stopping `make run` and starting it again straight away works: the old connections'
    TIME_WAIT does not count as the port being in use."""
    api, qstash, box = free_port(), free_port(), free_port()
    env = dev_env(tmp_path, api, qstash, box)
    with httpx.Client() as client:
        first = start_dev(env)
        try:
            read_banner(first)
            assert client.get(f"http://127.0.0.1:{api}/health").status_code == 200
        finally:
            stop_dev(first)
    assert refused_by_plain_bind(api)  # what the old port check tried, and was refused
    second = start_dev(env)
    try:
        banner = read_banner(second)
        assert f"http://127.0.0.1:{api}/graphql" in banner
        assert httpx.get(f"http://127.0.0.1:{api}/health", timeout=5).status_code == 200
    finally:
        stop_dev(second)
