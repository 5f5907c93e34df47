"""`prebook dev` (what `make run` runs) starts the whole system and books a class."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.servers import free_port


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


def test_dev_runs_everything_and_books(tmp_path: Path) -> None:
    api, qstash, box = free_port(), free_port(), free_port()
    env = {**os.environ, "PREBOOK_PORT": str(api), "QSTASH_DEV_PORT": str(qstash),
           "FAKEBOX_PORT": str(box), "PREBOOK_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    for name in ("QSTASH_TOKEN", "AIMHARDER_LOGIN_URL", "DATABASE_URL", "PUBLIC_URL"):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "dev"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    # The embedded servers stopped with it: their ports are free again.
    for port in (api, qstash, box):
        with httpx.Client() as client:
            try:
                client.get(f"http://127.0.0.1:{port}/", timeout=1)
                raise AssertionError(f"port {port} still answers")
            except httpx.ConnectError:
                pass
