"""`prebook serve` as it runs in production, watched from outside: its JSON log never holds a
password whatever goes wrong, expected errors are not ERROR tracebacks, connections are
bounded in number and idle time, and the SQLite database is private to its owner."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest

from tests.api.test_container_command import ROOT, SECRETS
from tests.servers import free_port

PASSWORD = "Inline-S3cret-never-logged"
CONCURRENCY = 8


@dataclass
class Served:
    url: str
    port: int
    log: Path
    data: Path

    def entries(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def post(self, query: str, variables: dict[str, Any] | None = None,
             token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables},
                            headers=headers, timeout=30)
        return answer.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    port, closed = free_port(), f"http://127.0.0.1:{free_port()}"
    data = tmp / "data"  # made by `prebook serve` itself
    env = {**os.environ, **SECRETS, "PREBOOK_ENV": "production", "PREBOOK_HOST": "127.0.0.1",
           "PREBOOK_PORT": str(port), "PUBLIC_URL": f"http://127.0.0.1:{port}",
           "QSTASH_URL": closed, "AIMHARDER_LOGIN_URL": closed, "AIMHARDER_ACCOUNT_URL": closed,
           "AIMHARDER_BOX_URL": closed + "/{subdomain}",
           "DATABASE_URL": f"sqlite://{data / 'prebook.sqlite3'}", "PREBOOK_DATA_DIR": str(data),
           "PREBOOK_LIMIT_CONCURRENCY": str(CONCURRENCY), "PREBOOK_KEEPALIVE_S": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(encoding="utf-8")[-3000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "no answer on /health within 60 s"
            time.sleep(0.2)
        yield Served(url=url, port=port, log=log, data=data)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token(email: str, **claims: Any) -> str:
    payload = {"sub": f"sub-{email}", "email": email, "exp": int(time.time()) + 600, **claims}
    return jwt.encode(payload, SECRETS["AUTH_JWT_SECRET"], algorithm="HS256")


def inline(email: str, password: str = PASSWORD, field: str = "password") -> str:
    return (f'mutation Connect {{ connectAimharder(input: {{email: "{email}", '
            f'{field}: "{password}"}}) {{ __typename }} }}')


def test_the_password_reaches_no_log_line_whatever_goes_wrong(served: Served) -> None:
    expired = token("late@example.com", exp=int(time.time()) - 10)
    assert served.post(inline("late@example.com"), token=expired)["errors"][0]["message"] == (
        "token expired")
    assert served.post(inline("anon@example.com"))["errors"]
    user = token("typist@example.com")
    assert served.post(inline("typist@example.com", field="pasword"), token=user)["errors"]
    assert served.post(inline("typist@example.com") + " }", token=user)["errors"]  # syntax
    variables = ("mutation($i: ConnectAimharderInput!) { connectAimharder(input: $i) "
                 "{ __typename } }")
    assert served.post(variables, {"i": {"email": "t@example.com", "password": PASSWORD,
                                         "extra": 1}}, token=user)["errors"]
    assert served.post(variables, {"i": PASSWORD}, token=user)["errors"]
    hammer = token("hammer@example.com")
    answers = [served.post(inline(f"box{i}@example.com"), token=hammer) for i in range(6)]
    assert answers[-1]["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}
    in_url = httpx.get(f"{served.url}/graphql?query={quote(inline('get@example.com'))}",
                       headers={"Authorization": f"Bearer {user}"})
    assert in_url.status_code in (200, 400, 405)

    entries = served.entries()
    text = served.log.read_text(encoding="utf-8")
    assert PASSWORD not in text, [line for line in text.splitlines() if PASSWORD in line]
    graphql = [e for e in entries if e["logger"] == "prebook.graphql"]
    assert len(graphql) >= 8, graphql  # the errors were logged: the search means something
    assert {e["level"] for e in graphql} == {"INFO"}  # expected errors: no ERROR, no traceback
    assert not [e for e in graphql if "exc" in e]
    assert not [e for e in entries if e["logger"].startswith("strawberry")]
    assert [e for e in graphql if e.get("operationName") == "Connect" and e.get("requestId")]
    access = [e["message"] for e in entries if e["logger"] == "uvicorn.access"]
    assert [m for m in access if "GET /graphql" in m] and not [m for m in access if "query=" in m]


def test_connections_beyond_the_limit_get_503(served: Served) -> None:
    idle = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(CONCURRENCY)]
    try:
        assert httpx.get(f"{served.url}/health", timeout=10).status_code == 503
    finally:
        for conn in idle:
            conn.close()
    deadline = time.monotonic() + 10
    while httpx.get(f"{served.url}/health", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the server did not recover its connections"


def test_idle_keep_alive_connections_are_closed(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as conn:
        conn.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert conn.recv(4096) == b""  # closed by the server (PREBOOK_KEEPALIVE_S=1)
        assert time.monotonic() - started < 3


def test_the_database_is_private(served: Served) -> None:
    assert stat.S_IMODE(served.data.stat().st_mode) == 0o700
    for path in served.data.glob("prebook.sqlite3*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
