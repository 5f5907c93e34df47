"""How late localqstash delivers N messages that are all due at the same whole second.

Starts localqstash (in this process) and a sink (in a child process, as a real app would
be) on loopback, publishes N messages through the official async SDK, all with the same
`not_before`, and prints publish throughput plus delivery lateness (first/p50/p99/max, ms)
measured at the sink against the due instant.

    .venv/bin/python bench/localqstash_latency.py              # N = 1000
    .venv/bin/python bench/localqstash_latency.py --n 10000
    .venv/bin/python bench/localqstash_latency.py --smoke      # N = 5: does it still run?
"""

from __future__ import annotations

import argparse
import asyncio
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from localqstash import DEV_TOKEN, LocalQStashConfig, create_app
from tests.servers import free_port, serve


def run_sink(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    arrivals: list[float] = []

    async def receive(request: Request) -> Response:
        at = time.time()
        await request.body()
        arrivals.append(at)
        return Response(b"ok")

    async def report(request: Request) -> JSONResponse:
        return JSONResponse(arrivals)

    app = Starlette(routes=[Route("/sink", receive, methods=["POST"]),
                            Route("/arrivals", report, methods=["GET"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


async def publish_all(url: str, target: str, n: int, due: int, concurrency: int) -> float:
    from qstash import AsyncQStash

    client = AsyncQStash(DEV_TOKEN, base_url=url)
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            await client.message.publish(url=target, body=f'{{"n": {i}}}', not_before=due,
                                         content_type="application/json")

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - start


def wait_for_sink(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/arrivals", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("sink did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=LocalQStashConfig().max_concurrency,
                        help="localqstash max_concurrency")
    parser.add_argument("--publish-concurrency", type=int, default=8)
    parser.add_argument("--lead", type=float, default=2.0)
    parser.add_argument("--sink-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest run (N = 5, lead 0.5 s): checks the bench still "
                        "works, its figures mean nothing")
    args = parser.parse_args()
    if args.smoke:
        args.n, args.lead = 5, 0.5
    if args.sink_port:
        run_sink(args.sink_port)
        return 0

    port = free_port()
    sink_url = f"http://127.0.0.1:{port}"
    child = subprocess.Popen([sys.executable, __file__, "--sink-port", str(port)])
    try:
        wait_for_sink(sink_url)
        with tempfile.TemporaryDirectory() as tmp, serve(
            create_app(LocalQStashConfig(data_dir=Path(tmp), max_concurrency=args.concurrency))
        ) as server:
            due = math.ceil(time.time() + max(2.0, args.n / 300) + args.lead)
            elapsed = asyncio.run(publish_all(server.url, f"{sink_url}/sink", args.n, due,
                                              args.publish_concurrency))
            if time.time() > due - 0.5:
                print(f"publishing took {elapsed:.2f}s and overran the due instant; "
                      "use a larger --lead")
                return 1
            arrivals: list[float] = []
            # Poll only after the burst should be over: a poll competes with the deliveries.
            time.sleep(max(0.0, due + 1 + args.n / 5000 - time.time()))
            while time.time() < due + 120:
                arrivals = httpx.get(f"{sink_url}/arrivals", timeout=10).json()
                if len(arrivals) >= args.n:
                    break
                time.sleep(0.5)
    finally:
        child.terminate()
        child.wait()
    late_ms = [(at - due) * 1000 for at in arrivals]
    print(f"messages:           {args.n} (delivered {len(arrivals)}), "
          f"max_concurrency {args.concurrency}")
    print(f"publish throughput: {args.n / elapsed:,.0f} msg/s "
          f"({elapsed:.2f} s, {args.publish_concurrency} concurrent SDK calls)")
    if late_ms:
        print(f"early deliveries:   {sum(1 for v in late_ms if v < 0)}")
        print(f"lateness ms:        first {min(late_ms):.2f}  p50 {percentile(late_ms, 50):.2f}  "
              f"p99 {percentile(late_ms, 99):.2f}  max {max(late_ms):.2f}")
    return 0 if len(arrivals) == args.n else 1


if __name__ == "__main__":
    raise SystemExit(main())
