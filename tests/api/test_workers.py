"""Two uvicorn workers with PROMETHEUS_MULTIPROC_DIR: every scrape adds up both workers.

Unsigned deliveries are refused (401) and counted by whichever worker took them; the test sends
them until both workers have counted some (read from the per-process files), then every scrape
of /metrics, answered by either worker, must show the total.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import ChildProcess, answers
from tests.servers import free_port

REFUSED = "prebook_job_deliveries_total"
PATH = "/api/jobs/prebooking/execute"


def refusals_by_worker(directory: Path) -> dict[str, float]:
    """Refused deliveries counted in each worker's own counter file (counter_<pid>.db)."""
    counted: dict[str, float] = {}
    for path in directory.glob("counter_*.db"):
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            name, _sample, labels, *_rest = json.loads(key)
            if name == "prebook_job_deliveries" and labels.get("result") == "refused":
                counted[path.stem] = counted.get(path.stem, 0.0) + value
    return counted


def scraped_refusals(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(s.value for family in text_string_to_metric_families(text)
               for s in family.samples
               if s.name == REFUSED and s.labels.get("result") == "refused")


def test_metrics_add_up_both_workers(tmp_path: Path) -> None:
    port, prom = free_port(), tmp_path / "prometheus"
    prom.mkdir()
    env = {**os.environ, "PREBOOK_ENV": "dev", "PREBOOK_PORT": str(port),
           "PREBOOK_WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(prom),
           "PREBOOK_DATA_DIR": str(tmp_path / "data"),
           "DATABASE_URL": f"sqlite://{tmp_path / 'data' / 'prebook.sqlite3'}"}
    url = f"http://127.0.0.1:{port}"
    server = ChildProcess(["serve"], answers(f"{url}/health"), env)
    server.start(timeout=60)
    try:
        sent = 0

        async def batch() -> None:
            async with httpx.AsyncClient(timeout=10, limits=httpx.Limits(
                    max_keepalive_connections=0)) as client:  # a new connection each: any worker
                replies = await asyncio.gather(*(client.post(f"{url}{PATH}", content=b"{}")
                                                 for _ in range(20)))
            assert {r.status_code for r in replies} == {401}

        while len(refusals_by_worker(prom)) < 2:
            assert sent < 2000, f"one worker took all {sent} requests: {refusals_by_worker(prom)}"
            asyncio.run(batch())
            sent += 20
        per_worker = refusals_by_worker(prom)
        assert sum(per_worker.values()) == sent and min(per_worker.values()) > 0, per_worker
        for _ in range(6):  # either worker answers the scrape; each shows both
            assert scraped_refusals(url) == sent
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _no_inherited_multiproc_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
