"""Throughput and p99 of the GraphQL API beside a bare Starlette route and a bare Strawberry query.

All servers are separate uvicorn processes with the same settings as `prebook serve`
(access log on). One load generator (this process, httpx, `--concurrency` requests in
flight) drives each target for `--seconds`; the figures that matter are the ratios, since the
generator shares the machine's two cores with the server.

Targets: `GET /json` on a bare Starlette app; `{ hello }` on a bare Strawberry schema; the
API's `prebookings(first: 20)` (a user with a full page of prebookings) and `createPrebooking`
(each call a new class, opening in an hour: validated against the fake box, stored, published
to localqstash). The API's schema has Strawberry's parser and validation caches switched on, as
in production. A create counts as an error unless it answers a `Prebooking`; creates rotate over
several members, each staying under the per-user pending cap and create rate.

    .venv/bin/python bench/api.py                       # 5 s per target, 16 in flight
    .venv/bin/python bench/api.py --seconds 10 --json
    .venv/bin/python bench/api.py --smoke               # 0.5 s per target: does it still run?

Exits 1 when any target saw an error: its figures would measure the error path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    CREATE,
    DEMO_BOX_ID,
    Member,
    free_port,
    make_members,
    now_utc,
    percentile,
    process,
    progress,
    running_stack,
)
from booking.prebookings import MAX_PENDING_PER_USER

LIST = """query { prebookings(first: 20) { edges { node { id status opensAt } } } }"""
LISTED = 20  # the listing user's prebookings: one full page
CREATED = b'"__typename":"Prebooking"'

Call = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Target:
    name: str
    call: Call  # gets a distinct call number each time
    limit: int | None = None  # at most this many calls (a create books one class each)
    expect: bytes | None = None  # a 200 answer without this in its body is an error


async def load(target: Target, seconds: float, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    stop = time.perf_counter() + seconds

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            i = next(counter)
            if target.limit is not None and i >= target.limit:
                return
            start = time.perf_counter()
            answer = await target.call(http, i)
            latencies.append((time.perf_counter() - start) * 1000)
            errors += (answer.status_code != 200 or b'"errors"' in answer.content
                       or (target.expect is not None and target.expect not in answer.content))

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        began = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {"rps": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2), "requests": len(latencies),
            "errors": errors}


def serve_bare(port: int) -> None:
    import strawberry
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from strawberry.asgi import GraphQL

    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self) -> str:
            return "world"

    async def bare(request: Request) -> JSONResponse:
        return JSONResponse({"hello": "world"})

    app = Starlette(routes=[Route("/json", bare),
                            Route("/graphql", GraphQL(strawberry.Schema(Query)),
                                  methods=["GET", "POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")


async def run(seconds: float, concurrency: int, creates: int = 1980) -> dict[str, Any]:
    """Every target in turn; the create target books at most `creates` classes, made first."""
    results: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="prebook-apibench-"))
    progress(f"logs and database in {tmp}")
    with ExitStack() as stack:
        running = stack.enter_context(running_stack(tmp))
        bare_port = free_port()
        bare = f"http://127.0.0.1:{bare_port}"
        stack.enter_context(process(["bare", str(bare_port)], running.env, tmp / "bare.log",
                                    bare + "/json", module="bench.api"))
        async with httpx.AsyncClient(timeout=30) as http:
            lister, *creators = await make_members(
                running, http, 1 + math.ceil(creates / MAX_PENDING_PER_USER), "api")
            made = [await running.fake_class(http, now_utc() + timedelta(hours=1), 5)
                    for _ in range(LISTED + creates)]
        progress(f"{len(made)} classes on the fake box, {len(creators)} members to book them")
        used = iter(made)

        async def create(http: httpx.AsyncClient, member: Member) -> httpx.Response:
            demo = next(used)
            return await http.post(
                f"{running.api}/graphql", headers={"Authorization": f"Bearer {member.token}"},
                json={"query": CREATE, "variables": {"input": {
                    "boxId": DEMO_BOX_ID, "classId": demo["id"], "day": demo["day"],
                    "opensAt": demo["opensAt"]}}})

        async def create_next(http: httpx.AsyncClient, i: int) -> httpx.Response:
            return await create(http, creators[i // MAX_PENDING_PER_USER])

        async def listing(http: httpx.AsyncClient, i: int) -> httpx.Response:
            return await http.post(f"{running.api}/graphql", json={"query": LIST},
                                   headers={"Authorization": f"Bearer {lister.token}"})

        async def bare_json(http: httpx.AsyncClient, i: int) -> httpx.Response:
            return await http.get(f"{bare}/json")

        async def bare_gql(http: httpx.AsyncClient, i: int) -> httpx.Response:
            return await http.post(f"{bare}/graphql", json={"query": "{ hello }"})

        async with httpx.AsyncClient(timeout=30) as http:  # the page to list
            for _ in range(LISTED):
                answer = await create(http, lister)
                assert CREATED in answer.content, answer.text
        targets = [Target("starlette_json", bare_json), Target("strawberry_hello", bare_gql),
                   Target("prebookings_first_20", listing),
                   Target("create_prebooking", create_next, limit=creates, expect=CREATED)]
        for target in targets:
            progress(f"{target.name}: {seconds}s, {concurrency} in flight")
            results[target.name] = await load(target, seconds, concurrency)
    base = results["starlette_json"]["rps"]
    for figures in results.values():
        figures["rps_vs_starlette"] = round(figures["rps"] / base, 3)
    return results


def main() -> int:
    if sys.argv[1:2] == ["bare"]:
        serve_bare(int(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest run through every target (0.5 s each, 4 in flight): "
                        "checks the bench still works, its figures mean nothing")
    args = parser.parse_args()
    if args.smoke:
        results = asyncio.run(run(0.5, 4, creates=100))
    else:
        results = asyncio.run(run(args.seconds, args.concurrency))
    if args.json:
        print(json.dumps(results))
    else:
        print("| target | req/s | x Starlette | p50 ms | p99 ms | requests | errors |")
        print("|---|---|---|---|---|---|---|")
        for name, f in results.items():
            print(f"| {name} | {f['rps']} | {f['rps_vs_starlette']} | {f['p50_ms']} | "
                  f"{f['p99_ms']} | {f['requests']} | {f['errors']} |")
    return 1 if any(f["errors"] for f in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
