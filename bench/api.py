"""Throughput and p99 of the GraphQL API beside a bare Starlette route and a bare Strawberry query.

All servers are separate uvicorn processes with the same settings as `prebook serve`
(access log on). One load generator (this process, httpx, `--concurrency` requests in
flight) drives each target for `--seconds`; the figures that matter are the ratios, since the
generator shares the machine's two cores with the server.

Targets: `GET /json` on a bare Starlette app; `{ hello }` on a bare Strawberry schema; the
API's `prebookings(first: 20)` (a user with 40 prebookings) and `createPrebooking` (each call
a new class, opening in an hour: validated against the fake box, stored, published to
localqstash); then the same two with Strawberry's ParserCache and ValidationCache switched on.

    .venv/bin/python bench/api.py                       # 5 s per target, 16 in flight
    .venv/bin/python bench/api.py --seconds 10 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    CREATE,
    DEMO_BOX_ID,
    free_port,
    make_members,
    now_utc,
    percentile,
    process,
    progress,
    running_stack,
)

LIST = """query { prebookings(first: 20) { edges { node { id status opensAt } } } }"""


async def load(call: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
               seconds: float, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    stop = time.perf_counter() + seconds

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            start = time.perf_counter()
            answer = await call(http, next(counter))
            latencies.append((time.perf_counter() - start) * 1000)
            errors += answer.status_code != 200 or b'"errors"' in answer.content

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


def serve_api_with_caches(port: int) -> None:
    """`prebook serve`, with Strawberry's parser and validation caches added to the schema."""
    from strawberry.extensions import ParserCache, ValidationCache

    from api.cli import main
    from schema import build_schema

    schema = build_schema()  # cached: create_app gets this very object
    schema.extensions = (*schema.extensions, ParserCache(maxsize=256),
                         ValidationCache(maxsize=256))
    main(["serve", "--port", str(port), "--no-migrate"])


async def run(seconds: float, concurrency: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="prebook-apibench-"))
    progress(f"logs and database in {tmp}")
    with ExitStack() as stack:
        running = stack.enter_context(running_stack(tmp))
        bare_port = free_port()
        bare = f"http://127.0.0.1:{bare_port}"
        stack.enter_context(process(["bare", str(bare_port)], running.env, tmp / "bare.log",
                                    bare + "/json", script=__file__))
        async with httpx.AsyncClient(timeout=30) as http:
            member = (await make_members(running, http, 1, "api"))[0]
            auth = {"Authorization": f"Bearer {member.token}"}
            classes = [await running.fake_class(http, now_utc() + timedelta(hours=1), 5)
                       for _ in range(2000)]
        progress("2000 classes on the fake box")
        used = iter(classes)

        def create(api: str) -> Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]:
            async def call(http: httpx.AsyncClient, i: int) -> httpx.Response:
                demo = next(used)
                return await http.post(f"{api}/graphql", headers=auth, json={
                    "query": CREATE, "variables": {"input": {
                        "boxId": DEMO_BOX_ID, "classId": demo["id"], "day": demo["day"],
                        "opensAt": demo["opensAt"]}}})
            return call

        def listing(api: str) -> Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]:
            async def call(http: httpx.AsyncClient, i: int) -> httpx.Response:
                return await http.post(f"{api}/graphql", json={"query": LIST}, headers=auth)
            return call

        async def bare_json(http: httpx.AsyncClient, i: int) -> httpx.Response:
            return await http.get(f"{bare}/json")

        async def bare_gql(http: httpx.AsyncClient, i: int) -> httpx.Response:
            return await http.post(f"{bare}/graphql", json={"query": "{ hello }"})

        async with httpx.AsyncClient(timeout=30) as http:  # 40 prebookings to list
            for _ in range(40):
                await create(running.api)(http, 0)
        targets = [("starlette_json", bare_json), ("strawberry_hello", bare_gql),
                   ("prebookings_first_20", listing(running.api)),
                   ("create_prebooking", create(running.api))]
        for name, call in targets:
            progress(f"{name}: {seconds}s, {concurrency} in flight")
            results[name] = await load(call, seconds, concurrency)
        cached_port = free_port()
        cached = f"http://127.0.0.1:{cached_port}"
        env = {**running.env, "PREBOOK_PORT": str(cached_port), "PUBLIC_URL": cached}
        stack.enter_context(process(["cached", str(cached_port)], env, tmp / "cached.log",
                                    cached + "/health", script=__file__))
        for name, call in [("prebookings_first_20_cached", listing(cached)),
                           ("create_prebooking_cached", create(cached))]:
            progress(f"{name}: {seconds}s, {concurrency} in flight")
            results[name] = await load(call, seconds, concurrency)
    base = results["starlette_json"]["rps"]
    for figures in results.values():
        figures["rps_vs_starlette"] = round(figures["rps"] / base, 3)
    return results


def main() -> None:
    if sys.argv[1:2] == ["bare"]:
        return serve_bare(int(sys.argv[2]))
    if sys.argv[1:2] == ["cached"]:
        return serve_api_with_caches(int(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(run(args.seconds, args.concurrency))
    if args.json:
        print(json.dumps(results))
        return
    print("| target | req/s | x Starlette | p50 ms | p99 ms | requests | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, f in results.items():
        print(f"| {name} | {f['rps']} | {f['rps_vs_starlette']} | {f['p50_ms']} | "
              f"{f['p99_ms']} | {f['requests']} | {f['errors']} |")


if __name__ == "__main__":
    main()
