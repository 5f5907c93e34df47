"""Load: 1,000 prebookings opening over one minute, through the whole stack.

Each of 100 users (each with their own fake-box member) creates 10 prebookings, one per class,
the classes opening one per second across 60 s. The stack runs as separate processes on
loopback (bench/harness.py): `prebook serve`, `prebook qstash-dev`, `prebook fakebox`.
Reported: creation throughput, that every prebooking ends in a final state (none lost), that
no class got more than one booking request per prebooking (none booked twice), and the
lateness distribution at the box (its receive stamp minus each class's opening).

    .venv/bin/python bench/load.py                 # 1,000 prebookings over 60 s
    .venv/bin/python bench/load.py --users 20 --per-user 5 --spread 20 --json
    .venv/bin/python bench/load.py --smoke         # 4 prebookings over 2 s: does it still run?
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    CREATE,
    DEMO_BOX_ID,
    Stack,
    make_members,
    now_utc,
    percentile,
    progress,
    running_stack,
)

LIST = """query($after: String) { prebookings(first: 100, after: $after) {
  edges { node { id status outcome classId opensAt latenessMs } }
  pageInfo { hasNextPage endCursor } } }"""


async def all_prebookings(stack: Stack, http: httpx.AsyncClient, token: str
                          ) -> list[dict[str, Any]]:
    found, after = [], None
    while True:
        page = (await stack.gql(http, LIST, {"after": after}, token))["prebookings"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def run(users: int, per_user: int, spread_s: int, lead: float,
              margin_s: float | None = None, poll_s: float = 2.0) -> dict[str, Any]:
    """`margin_s`: how far ahead the first class opens, time to create every prebooking
    (default 20 s plus 1 s per 25 prebookings); `poll_s`: the pause between status sweeps,
    each of which lists every user's prebookings and so competes with the firing."""
    total = users * per_user
    if margin_s is None:
        margin_s = 20 + total / 25
    with tempfile.TemporaryDirectory(prefix="prebook-load-") as tmp, \
            running_stack(Path(tmp), lead_seconds=lead) as stack:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            progress(f"{users} members, each connected")
            members = await make_members(stack, http, users, "load")
            first_open = now_utc() + timedelta(seconds=margin_s)
            first_open = first_open.replace(microsecond=0)
            progress(f"{total} classes, opening from {first_open:%H:%M:%S} over {spread_s} s")
            plan: list[tuple[int, dict[str, str]]] = []
            for i in range(total):
                opens_at = first_open + timedelta(seconds=i % spread_s)
                plan.append((i % users, await stack.fake_class(http, opens_at, capacity=5)))
            progress(f"creating {total} prebookings")
            sem = asyncio.Semaphore(8)

            async def create(user: int, cls: dict[str, str]) -> str:
                async with sem:
                    data = await stack.gql(http, CREATE, {"input": {
                        "boxId": DEMO_BOX_ID, "classId": cls["id"], "day": cls["day"],
                        "opensAt": cls["opensAt"]}}, members[user].token)
                return str(data["createPrebooking"]["__typename"])

            started = time.perf_counter()
            kinds = Counter(await asyncio.gather(*(create(u, c) for u, c in plan)))
            create_s = time.perf_counter() - started
            if now_utc() >= first_open - timedelta(seconds=lead):
                progress("warning: creation ran into the first opening; raise the margin")
            last_open = first_open + timedelta(seconds=spread_s - 1)
            progress(f"waiting for the openings (last at {last_open:%H:%M:%S}) and the answers")
            deadline = last_open + timedelta(seconds=60)
            while True:
                rows = [r for m in members for r in await all_prebookings(stack, http, m.token)]
                final = [r for r in rows if r["status"] in ("COMPLETED", "FAILED")]
                if len(final) == len(rows) or now_utc() > deadline:
                    break
                await asyncio.sleep(poll_s)
            requests = (await http.get(f"{stack.box}/_fake/requests", timeout=60)).json()
    books = [r for r in requests if str(r["path"]).endswith("/api/book")]
    opens = {cls["id"]: datetime.fromisoformat(cls["opensAt"]) for _, cls in plan}
    per_class = Counter(r["form"]["id"] for r in books)
    lateness = [(r["receivedAtNs"] - opens[r["form"]["id"]].timestamp() * 1e9) / 1e6
                for r in books if r["form"].get("id") in opens]
    statuses = Counter(r["status"] for r in rows)
    return {
        "prebookings": total, "created": dict(kinds),
        "create_per_s": round(total / create_s, 1),
        "final": len(final), "lost": len(rows) - len(final) + (total - len(rows)),
        "statuses": dict(statuses),
        "outcomes": dict(Counter(r["outcome"] for r in rows)),
        "booking_requests": len(books),
        "classes_with_more_than_one_request": sum(1 for c in per_class.values() if c > 1),
        "early": sum(1 for x in lateness if x < 0),
        "lateness_ms": {"p50": round(percentile(lateness, 50), 2),
                        "p99": round(percentile(lateness, 99), 2),
                        "max": round(max(lateness), 2) if lateness else None},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--spread", type=int, default=60, help="seconds the openings span")
    parser.add_argument("--lead", type=float, default=5.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest run (2 users x 2 prebookings over 2 s, lead 1 s): "
                        "checks the bench still works, its figures mean nothing")
    args = parser.parse_args()
    if args.smoke:
        result = asyncio.run(run(2, 2, 2, 1.0, margin_s=4.0, poll_s=0.5))
    else:
        result = asyncio.run(run(args.users, args.per_user, args.spread, args.lead))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:38} {value}")
    ok = result["lost"] == 0 and result["classes_with_more_than_one_request"] == 0
    return 0 if ok and result["early"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
