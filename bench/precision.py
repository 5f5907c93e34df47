"""How precisely and fairly prebook fires N prebookings due at the same opening instant.

The whole stack runs as separate processes on loopback (bench/harness.py): N app users, each
with their own fake-box member, create one prebooking each, in a known order, through GraphQL
`createPrebooking`; localqstash delivers signed `prebooking.execute` jobs `PREBOOK_LEAD_SECONDS`
ahead; the firing engine sends at the instant; the fake box stamps each arrival. Lateness is
the box's receive time minus the opening instant.

In the same run a naive baseline books a second class: this process sleeps until its opening
with `asyncio.sleep`, then sends N prepared booking requests at once with `asyncio.gather`
over a fresh httpx client (what a simple bot does).

    .venv/bin/python bench/precision.py                   # N = 1, 30, 100; 3 rounds each
    .venv/bin/python bench/precision.py --n 100 --rounds 5 --json
    .venv/bin/python bench/precision.py --tls --proxy     # HTTPS box through an egress proxy
    .venv/bin/python bench/precision.py --instances 2 --n 100   # two instances, one PostgreSQL

With `--instances 2` the members are spread over two `prebook serve` processes in turn (member i
creates through instance i mod 2, so its QStash message is delivered there), on a database made
for the run on `--database-url` (default TEST_DATABASE_URL, else the local PostgreSQL) and
dropped after. Inversions then count every pair that reached the box against creation order,
across instances; "within" counts only pairs created on the same instance.
    .venv/bin/python bench/precision.py --smoke           # N = 1, 1 round, lead 1 s: still runs?
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    CREATE,
    DEMO_BOX_ID,
    GET,
    Member,
    Stack,
    inversions,
    make_members,
    now_utc,
    percentile,
    progress,
    running_stack,
)
from booking.aimharder import AimharderClient, new_fingerprint
from tests.postgres import database_on

KEYS = ("p50_ms", "p99_ms", "max_ms", "early", "spread_ms", "inversions",
        "bookings_per_prebooking")
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


def measure(requests: list[dict[str, Any]], order: list[str], opens_ns: int,
            instances: int = 1) -> dict[str, Any]:
    """Per-round figures from what the box received, against creation order `order` (member
    `rank` created through instance `rank % instances`)."""
    first: dict[str, int] = {}
    booked: dict[str, int] = dict.fromkeys(order, 0)
    early = 0
    for r in sorted(requests, key=lambda r: int(r["receivedAtNs"])):
        at, email = int(r["receivedAtNs"]), r["email"]
        early += at < opens_ns
        first.setdefault(email, at)
        if r["answer"].get("bookState") in (0, 1):
            booked[email] = booked.get(email, 0) + 1
    arrivals = sorted((first[e], rank) for rank, e in enumerate(order) if e in first)
    return {
        "lateness": [(at - opens_ns) / 1e6 for at in first.values()],
        "early": early,
        "spread_ms": (arrivals[-1][0] - arrivals[0][0]) / 1e6 if arrivals else None,
        "inversions": inversions([rank for _, rank in arrivals]),
        "inversions_within": sum(inversions([rank for _, rank in arrivals
                                             if rank % instances == i])
                                 for i in range(instances)),
        "missing": len(order) - len(first),
        "bookings": sum(booked.values()),
        "exactly_one": all(count == 1 for count in booked.values()),
    }


def summarise(rounds: list[dict[str, Any]], n: int) -> dict[str, Any]:
    lateness = [x for r in rounds for x in r["lateness"]]
    exact = all(r["exactly_one"] and not r["missing"] for r in rounds)
    ratio = sum(r["bookings"] for r in rounds) / (n * len(rounds))
    return {
        "n": n, "rounds": len(rounds),
        "p50_ms": round(percentile(lateness, 50), 3), "p99_ms": round(percentile(lateness, 99), 3),
        "max_ms": round(max(lateness), 3), "early": sum(r["early"] for r in rounds),
        "spread_ms": round(max(r["spread_ms"] or 0.0 for r in rounds), 3),
        "inversions": sum(r["inversions"] for r in rounds),
        "inversions_within": sum(r["inversions_within"] for r in rounds),
        "bookings_per_prebooking": 1.0 if exact else round(ratio, 3),
    }


async def prebook_round(stack: Stack, http: httpx.AsyncClient, members: list[Member]) -> Any:
    n = len(members)
    opens_at = (now_utc() + timedelta(seconds=stack.lead_seconds + 2 + 0.05 * n)).replace(
        microsecond=0)  # a whole second, as real openings are
    demo = await stack.fake_class(http, opens_at, capacity=n)
    ids: list[str] = []
    for i, m in enumerate(members):  # one after the other: this is the creation order
        data = await stack.gql(http, CREATE, {"input": {
            "boxId": DEMO_BOX_ID, "classId": demo["id"], "day": demo["day"],
            "opensAt": opens_at.isoformat()}}, m.token, api=stack.instance(i))
        created = data["createPrebooking"]
        assert created["__typename"] == "Prebooking", created
        ids.append(created["id"])
    lag = (opens_at - now_utc()).total_seconds()
    progress(f"  prebook: {n} created, opening in {lag:.1f}s")
    local = await wait_final(stack, http, members, ids, opens_at.timestamp())
    requests = await stack.box_requests(http, demo["id"])
    figures = measure(requests, [m.email for m in members], int(opens_at.timestamp()) * 10**9,
                      max(1, len(stack.apis)))
    return {**figures, "local": local}


async def wait_final(stack: Stack, http: httpx.AsyncClient, members: list[Member],
                     ids: list[str], opens_s: float) -> list[float]:
    """Waits until every prebooking is final; returns prebook's own latenessMs (send time)."""
    await asyncio.sleep(max(0.0, opens_s - time.time()) + 0.5)
    deadline = time.time() + 30
    pending = dict(zip(ids, members, strict=True))
    local: list[float] = []
    while pending and time.time() < deadline:
        for pid, m in list(pending.items()):
            data = (await stack.gql(http, GET, {"id": pid}, m.token))["prebooking"]
            if data["status"] in ("COMPLETED", "FAILED"):
                del pending[pid]
                local.append(data["latenessMs"] if data["latenessMs"] is not None else -1.0)
        if pending:
            await asyncio.sleep(0.2)
    if pending:
        progress(f"  {len(pending)} prebookings still not final")
    return local


async def baseline_round(stack: Stack, http: httpx.AsyncClient, members: list[Member]) -> Any:
    """Sleep until the opening, then send everything at once: no gate, no warm connections."""
    n = len(members)
    def naive_client(naive: httpx.AsyncClient) -> AimharderClient:
        return AimharderClient(http=naive, login_url=stack.box, account_url=stack.box,
                               box_url_template=stack.box + "/{subdomain}")

    async with stack.client(limits=httpx.Limits(max_connections=512), proxy=stack.proxy,
                            ) as naive:
        client = naive_client(naive)
        sessions = [await client.login(m.email, m.password, new_fingerprint())
                    for m in members]
    opens_at = (now_utc() + timedelta(seconds=2)).replace(microsecond=0) + timedelta(seconds=1)
    demo = await stack.fake_class(http, opens_at, capacity=n)
    async with stack.client(limits=httpx.Limits(max_connections=512), proxy=stack.proxy,
                            ) as naive:
        client = naive_client(naive)
        prepared = [client.prepare_book(s, subdomain="demo", class_id=demo["id"],
                                        day=date.fromisoformat(demo["day"]))
                    for s in sessions]
        await asyncio.sleep(opens_at.timestamp() - time.time())
        await asyncio.gather(*(client.send_book(r) for r in prepared), return_exceptions=True)
    requests = await stack.box_requests(http, demo["id"])
    return measure(requests, [m.email for m in members], int(opens_at.timestamp()) * 10**9)


async def run(sizes: list[int], rounds: int, lead: float, qstash_concurrency: int | None,
              *, box_tls: bool = False, proxy: bool = False, instances: int = 1,
              database_url: str | None = None) -> dict[str, Any]:
    runs = []
    tmp = tempfile.mkdtemp(prefix="prebook-bench-")
    progress(f"logs and database in {tmp}")
    with running_stack(Path(tmp), lead_seconds=lead, qstash_concurrency=qstash_concurrency,
                       box_tls=box_tls, proxy=proxy, instances=instances,
                       database_url=database_url) as stack:
        if instances > 1:
            progress(f"{instances} instances: {', '.join(stack.apis)}")
        progress(f"stack up: api {stack.api}, localqstash {stack.qstash}, box {stack.box}"
                 + (f", egress proxy {stack.proxy}" if stack.proxy else ""))
        async with stack.client(timeout=30) as http:
            everyone = await make_members(stack, http, max(sizes), "p")
            progress(f"{len(everyone)} members connected")
            for n in sizes:
                ours, naive = [], []
                for r in range(rounds):
                    progress(f"N={n} round {r + 1}/{rounds}")
                    ours.append(await prebook_round(stack, http, everyone[:n]))
                    naive.append(await baseline_round(stack, http, everyone[:n]))
                    progress(f"  prebook p99 {percentile(ours[-1]['lateness'], 99):.2f} ms "
                             f"(sent: max {max(ours[-1]['local']):.2f} ms), "
                             f"spread {ours[-1]['spread_ms']:.2f} ms; baseline p99 "
                             f"{percentile(naive[-1]['lateness'], 99):.2f} ms")
                runs.append({**summarise(ours, n), "baseline": summarise(naive, n)})
        if stack.proxy:  # the proxy really carried the booking connections
            async with httpx.AsyncClient() as plain:
                stats = (await plain.get(stack.proxy + "/_proxy/stats")).json()
            progress(f"egress proxy carried: {sum(stats['carried'].values())} connections")
    mode = ("tls+proxy" if box_tls and proxy else "tls" if box_tls
            else "proxy" if proxy else "plain")
    return {"mode": mode, "instances": instances, "runs": runs}


def table(result: dict[str, Any]) -> str:
    head = ["N", "rounds", "who", "p50 ms", "p99 ms", "max ms", "early", "spread ms",
            "inversions", "bookings/prebooking"]
    several = result.get("instances", 1) > 1
    if several:
        head.insert(-1, "inversions within an instance")
    rows = []
    for run_ in result["runs"]:
        for who, figures in (("prebook", run_), ("baseline", run_["baseline"])):
            row = [str(run_["n"]), str(run_["rounds"]), who, *(str(figures[k]) for k in KEYS)]
            if several:
                row.insert(-1, str(figures["inversions_within"]) if who == "prebook" else "-")
            rows.append(row)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="prebookings per instant "
                        "(repeatable; default 1, 30, 100)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lead", type=float, default=5.0, help="PREBOOK_LEAD_SECONDS")
    parser.add_argument("--qstash-concurrency", type=int, default=0,
                        help="localqstash delivery cap (0: its default, 1024)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tls", action="store_true",
                        help="the box speaks HTTPS (a self-signed certificate made now)")
    parser.add_argument("--proxy", action="store_true",
                        help="reach the box through a loopback egress proxy (AIMHARDER_PROXY)")
    parser.add_argument("--instances", type=int, default=1,
                        help="prebook serve processes sharing one PostgreSQL (default 1: "
                        "one instance on SQLite)")
    parser.add_argument("--database-url", default=None,
                        help="with --instances > 1: the PostgreSQL server to make the run's "
                        "database on (default TEST_DATABASE_URL, else " + LOCAL_POSTGRES + ")")
    parser.add_argument("--smoke", action="store_true",
                        help="the smallest run (N = 1, one round, lead 1 s): checks the bench "
                        "still works, its figures mean nothing")
    args = parser.parse_args()
    if args.smoke:  # N = 1 unless given (N = 2 shows two instances at one instant)
        args.n, args.rounds, args.lead = args.n or [1], 1, 1.0
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    with contextlib.ExitStack() as scope:
        database_url = None
        if args.instances > 1:  # a fleet shares one PostgreSQL
            database_url = scope.enter_context(database_on(
                args.database_url or os.environ.get("TEST_DATABASE_URL") or LOCAL_POSTGRES,
                prefix="prebook_bench_"))
        result = asyncio.run(run(args.n or [1, 30, 100], args.rounds, args.lead,
                                 args.qstash_concurrency or None, box_tls=args.tls,
                                 proxy=args.proxy, instances=args.instances,
                                 database_url=database_url))
    print(json.dumps(result) if args.json else table(result))


if __name__ == "__main__":
    main()
