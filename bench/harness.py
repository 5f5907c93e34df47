"""The whole stack as separate processes for benchmarks: localqstash, fake box, API.

Each server is its own OS process started through the `prebook` CLI (as in production, where
QStash, AimHarder and the app never share an interpreter), on free loopback ports, with a
throw-away SQLite database. Logs go to files in the run's temporary directory.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.auth import mint_token  # noqa: E402
from api.settings import DEV_AUTH_JWT_SECRET  # noqa: E402
from bench.tls import self_signed, trusting  # noqa: E402

MADRID = ZoneInfo("Europe/Madrid")
DEMO_BOX_ID = "10001"
CONNECT = """mutation($email: String!, $password: String!) {
  connectAimharder(input: {email: $email, password: $password}) { __typename } }"""
CREATE = """mutation($input: CreatePrebookingInput!) { createPrebooking(input: $input) {
  __typename ... on Prebooking { id status } } }"""
GET = """query($id: ID!) { prebooking(id: $id) { id status outcome attempts latenessMs } }"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def inversions(ranks: list[int]) -> int:
    """Pairs that arrived in the opposite order to their rank (creation order)."""
    return sum(1 for i in range(len(ranks)) for j in range(i + 1, len(ranks))
               if ranks[i] > ranks[j])


def progress(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path, ready_url: str,
            module: str = "api.cli") -> Iterator[None]:
    """`prebook ARGS` (or `python -m MODULE ARGS`) until the block ends, once `ready_url`
    answers."""
    command = [sys.executable, "-m", module, *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{args[0]} exited; see {log}")
                try:
                    httpx.get(ready_url, timeout=1, verify=False)  # readiness only
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{args[0]} did not start; see {log}") from None
                    time.sleep(0.1)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class Stack:
    api: str  # the first instance
    box: str
    qstash: str
    lead_seconds: float
    env: dict[str, str]  # the API process's environment
    proxy: str | None = None  # AIMHARDER_PROXY, when the box is reached through one
    box_cert: Path | None = None  # the fake box's certificate, when it serves HTTPS
    apis: tuple[str, ...] = ()  # every instance (several share one PostgreSQL)
    classes_made: int = 0

    def instance(self, i: int) -> str:
        """The i-th member's instance: members are spread over the instances in turn."""
        return self.apis[i % len(self.apis)] if self.apis else self.api

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An HTTP client that trusts the fake box's certificate (control API, baseline)."""
        verify: Any = trusting(self.box_cert) if self.box_cert else True
        return httpx.AsyncClient(verify=verify, **kwargs)

    async def gql(self, http: httpx.AsyncClient, query: str, variables: dict[str, Any],
                  token: str, *, api: str | None = None) -> dict[str, Any]:
        answer = await http.post(f"{api or self.api}/graphql", json={"query": query,
                                 "variables": variables},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=60)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        if data.get("errors"):
            raise RuntimeError(str(data["errors"]))
        return data["data"]  # type: ignore[no-any-return]

    async def fake_class(self, http: httpx.AsyncClient, opens_at: datetime, capacity: int,
                         ) -> dict[str, str]:
        # Every class at its own hour: a member may hold one booking per hour.
        self.classes_made += 1
        start = (opens_at + timedelta(days=4, hours=self.classes_made)).astimezone(MADRID)
        end = start + timedelta(hours=1)
        body = {"box": "demo", "day": start.date().isoformat(),
                "time": f"{start:%H:%M}-{end:%H:%M}", "capacity": capacity,
                "opensAt": opens_at.isoformat()}
        answer = await http.post(f"{self.box}/_fake/classes", json=body)
        answer.raise_for_status()
        return {**body, **answer.json()}

    async def box_requests(self, http: httpx.AsyncClient, class_id: str) -> list[dict[str, Any]]:
        answer = await http.get(f"{self.box}/_fake/requests", timeout=30)
        return [r for r in answer.json()
                if str(r["path"]).endswith("/api/book") and r["form"].get("id") == class_id]


@dataclass(frozen=True)
class Member:
    email: str
    password: str
    token: str  # the app user's JWT


async def make_members(stack: Stack, http: httpx.AsyncClient, n: int, tag: str,
                       ) -> list[Member]:
    """n box members, each an app user with the AimHarder account connected."""
    sem = asyncio.Semaphore(8)

    async def one(i: int) -> Member:
        email, password = f"bench-{tag}-{i:04d}@example.com", "wod-bench"
        member = Member(email, password, mint_token(email=email, secret=DEV_AUTH_JWT_SECRET))
        async with sem:
            made = await http.post(f"{stack.box}/_fake/users",
                                   json={"email": email, "password": password})
            assert made.status_code in (200, 409), made.text
            data = await stack.gql(http, CONNECT, {"email": email, "password": password},
                                   member.token)
            assert data["connectAimharder"]["__typename"] == "AimharderAccount", data
        return member

    return list(await asyncio.gather(*(one(i) for i in range(n))))


@contextmanager
def running_stack(tmp: Path, lead_seconds: float = 5.0,
                  qstash_concurrency: int | None = None, *, box_tls: bool = False,
                  proxy: bool = False, instances: int = 1,
                  database_url: str | None = None) -> Iterator[Stack]:
    """The three servers as processes (`prebook qstash-dev`, `fakebox`, `serve`).

    `qstash_concurrency` overrides localqstash's cap on deliveries in flight (default 1024):
    every prebooking of one instant holds a delivery open until the opening. `box_tls` serves
    the fake box over HTTPS with a certificate made now (the API trusts it through
    SSL_CERT_FILE); `proxy` puts a counting egress proxy process between the API and the box
    (AIMHARDER_PROXY), as deployments outside Spain need. `instances` > 1 runs that many
    `serve` processes on `database_url` (PostgreSQL), each with its own port and PUBLIC_URL.
    """
    ports = {name: free_port() for name in ("api", "qstash", "box", "proxy")}
    more = [free_port() for _ in range(instances - 1)]
    api, qstash = (f"http://127.0.0.1:{ports[k]}" for k in ("api", "qstash"))
    box = f"{'https' if box_tls else 'http'}://127.0.0.1:{ports['box']}"
    box_args = ["fakebox", "--port", str(ports["box"])]
    extra: dict[str, str] = {}
    if box_tls:
        cert, key = self_signed(tmp)
        box_args += ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
        extra["SSL_CERT_FILE"] = str(cert)
    if proxy:
        extra["AIMHARDER_PROXY"] = f"http://127.0.0.1:{ports['proxy']}"
    env = {**os.environ, "PREBOOK_ENV": "dev", "PREBOOK_PORT": str(ports["api"]),
           "DATABASE_URL": f"sqlite://{tmp / 'prebook.sqlite3'}", "PUBLIC_URL": api,
           "QSTASH_URL": qstash, "AIMHARDER_LOGIN_URL": box, "AIMHARDER_ACCOUNT_URL": box,
           "AIMHARDER_BOX_URL": box + "/{subdomain}",
           "PREBOOK_LEAD_SECONDS": str(lead_seconds), "PREBOOK_DATA_DIR": str(tmp), **extra}
    with ExitStack() as stack:
        qstash_args = ["qstash-dev", "--port", str(ports["qstash"]), "--data-dir",
                       str(tmp / "lq")]
        if qstash_concurrency is not None:
            qstash_args += ["--max-concurrency", str(qstash_concurrency)]
        stack.enter_context(process(qstash_args, env, tmp / "localqstash.log", qstash + "/"))
        stack.enter_context(process(box_args, env, tmp / "fakebox.log", box + "/_fake/requests"))
        if proxy:
            stack.enter_context(process(["--port", str(ports["proxy"])], env, tmp / "proxy.log",
                                        extra["AIMHARDER_PROXY"] + "/_proxy/stats",
                                        module="tests.egress_proxy"))
        if database_url is not None:
            env["DATABASE_URL"] = database_url
        apis = [api]
        stack.enter_context(process(["serve", "--port", str(ports["api"])], env,
                                    tmp / "api.log", api + "/health"))
        for i, port in enumerate(more, start=2):  # one after the other: one migrates
            url = f"http://127.0.0.1:{port}"
            stack.enter_context(process(
                ["serve", "--port", str(port)], {**env, "PREBOOK_PORT": str(port),
                                                 "PUBLIC_URL": url},
                tmp / f"api{i}.log", url + "/health"))
            apis.append(url)
        yield Stack(api=api, box=box, qstash=qstash, lead_seconds=lead_seconds, env=env,
                    proxy=extra.get("AIMHARDER_PROXY"),
                    box_cert=Path(extra["SSL_CERT_FILE"]) if box_tls else None,
                    apis=tuple(apis))


def now_utc() -> datetime:
    return datetime.now(UTC)
