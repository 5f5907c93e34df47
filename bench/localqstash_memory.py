"""Memory of a localqstash server holding many pending messages due soon.

Starts localqstash as its own process (`python -m localqstash.cli`), publishes N messages
through `/v2/batch` (1,000 per request), all due inside the scheduling window, and prints
the server's resident memory (VmRSS) before and after. Only `window_capacity` of them
should be held in memory; the rest wait in SQLite. The server is stopped before anything
falls due, so nothing is delivered.

    .venv/bin/python bench/localqstash_memory.py                 # N = 100000
    .venv/bin/python bench/localqstash_memory.py --n 100000 --window-capacity 1000
    .venv/bin/python bench/localqstash_memory.py --smoke         # N = 1000: still runs?
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from localqstash import DEV_TOKEN, LocalQStashConfig
from tests.servers import free_port


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("localqstash exited")
        try:
            httpx.get(f"{url}/v2/keys", headers={"Authorization": f"Bearer {DEV_TOKEN}"})
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("localqstash did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--body-bytes", type=int, default=200)
    parser.add_argument("--window-capacity", type=int,
                        default=LocalQStashConfig().window_capacity)
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to wait after publishing before the last reading")
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest run (N = 1000 in batches of 100, window capacity "
                        "100, settle 1 s): checks the bench still works, its figures mean "
                        "nothing")
    args = parser.parse_args()
    if args.smoke:  # still more messages than the window holds, so the refill path runs
        args.n, args.batch, args.window_capacity, args.settle = 1000, 100, 100, 1.0
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # A closed port: nothing is delivered anyway, the server stops before the due instant.
    target = f"http://127.0.0.1:{free_port()}/never"
    body = "x" * args.body_bytes
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-m", "localqstash.cli", "--port", str(port), "--data-dir", tmp,
             "--window-capacity", str(args.window_capacity)],
            stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            wait_ready(url, proc)
            idle = rss_mib(proc.pid)
            due = int(time.time()) + 45  # inside the 60 s window
            entry = {"destination": target, "body": body,
                     "headers": {"Upstash-Not-Before": str(due),
                                 "Content-Type": "text/plain"}}
            payload = json.dumps([entry] * args.batch).encode()
            start = time.perf_counter()
            with httpx.Client(headers={"Authorization": f"Bearer {DEV_TOKEN}"},
                              timeout=60) as client:
                for _ in range(args.n // args.batch):
                    client.post(f"{url}/v2/batch", content=payload,
                                headers={"Content-Type": "application/json"}
                                ).raise_for_status()
            elapsed = time.perf_counter() - start
            after = rss_mib(proc.pid)
            time.sleep(args.settle)  # a refill or two
            settled = rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    published = args.n // args.batch * args.batch
    print(f"messages:           {published} pending, due in ~45 s, {args.body_bytes}-byte bodies,"
          f" window_capacity {args.window_capacity}")
    print(f"publish throughput: {published / elapsed:,.0f} msg/s via /v2/batch ({elapsed:.1f} s)")
    print(f"server RSS MiB:     idle {idle:.1f}  after publish {after:.1f}  "
          f"{args.settle:g} s later {settled:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
