"""QStash health: configuration, reachability and latency, schedules, dead-letter depth."""

from __future__ import annotations

import time
from typing import Any

from jobs.client import JobClient
from jobs.dlq import dead_letters
from jobs.schedules import ScheduleDef, compare

DLQ_SCAN_LIMIT = 1000


async def qstash_health(
    client: JobClient, declared: tuple[ScheduleDef, ...], *, config_problems: list[str],
    embedded: bool = False,
) -> dict[str, Any]:
    """One report; `healthy` is false when anything needs an operator's attention.
    `embedded`: the scheduler is the one inside the app (QSTASH_ENABLED=false)."""
    report: dict[str, Any] = {"config": {"ok": not config_problems, "problems": config_problems}}
    started = time.perf_counter()
    try:
        rows = await compare(client, declared)
        report["qstash"] = {"enabled": True, "embedded": embedded, "reachable": True,
                            "latencyMs": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:
        report["qstash"] = {"enabled": True, "embedded": embedded, "reachable": False,
                            "error": f"{type(exc).__name__}: {exc}"[:300]}
        report["healthy"] = False
        return report
    report["schedules"] = rows
    try:
        depth = len(await dead_letters(client, limit=DLQ_SCAN_LIMIT))
        report["dlq"] = {"depth": depth, "capped": depth >= DLQ_SCAN_LIMIT}
    except Exception as exc:
        report["dlq"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    # Dead letters are reported, not judged: dlq.reconcile drains the prebooking ones.
    report["healthy"] = not config_problems and all(row["state"] == "ok" for row in rows)
    return report
