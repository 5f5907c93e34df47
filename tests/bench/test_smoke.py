"""Every program in bench/ still runs: each one's `--smoke` mode, the smallest run through its
real code path (the whole stack as processes, where the bench uses it).

Only the shape of the output is checked, never the figures: on a shared machine they mean
nothing, and the benches themselves are where they are read. A bench whose code path broke
exits non-zero or prints no figures, and fails here instead of rotting unseen.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import require_postgres

ROOT = Path(__file__).resolve().parents[2]
PRECISION_KEYS = ("p50_ms", "p99_ms", "max_ms", "early", "spread_ms", "inversions",
                  "bookings_per_prebooking")


def smoke(tmp_path: Path, program: str, *flags: str) -> str:
    """Runs `bench/PROGRAM --smoke FLAGS`; returns its standard output once it exits 0.

    Temporary directories (databases, server logs) go under `tmp_path`, so pytest keeps the
    logs of a failed run and removes the rest.
    """
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / program), "--smoke", *flags],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, (
        f"bench/{program} --smoke exited {done.returncode}\n"
        f"--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr[-4000:]}")
    return done.stdout


def table_rows(output: str, header: str) -> list[list[str]]:
    """The cells of a Markdown table's rows, after checking its header line is `header`."""
    lines = output.splitlines()
    assert header in lines, output
    rows = lines[lines.index(header) + 2:]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows
            if row.startswith("|")]


def test_precision(tmp_path: Path) -> None:
    rows = table_rows(smoke(tmp_path, "precision.py"),
                      "| N | rounds | who | p50 ms | p99 ms | max ms | early | spread ms | "
                      "inversions | bookings/prebooking |")
    assert [row[:3] for row in rows] == [["1", "1", "prebook"], ["1", "1", "baseline"]]
    assert all(len(row) == 10 for row in rows), rows


def test_precision_over_https_through_the_egress_proxy(tmp_path: Path) -> None:
    result = json.loads(smoke(tmp_path, "precision.py", "--tls", "--proxy", "--json"))
    assert result["mode"] == "tls+proxy"
    [run] = result["runs"]
    assert (run["n"], run["rounds"]) == (1, 1)
    for figures in (run, run["baseline"]):
        assert set(PRECISION_KEYS) <= set(figures), figures


def test_load(tmp_path: Path) -> None:
    output = smoke(tmp_path, "load.py")
    keys = [line.split()[0] for line in output.splitlines() if line.strip()]
    assert keys == ["prebookings", "created", "create_per_s", "final", "lost", "statuses",
                    "outcomes", "booking_requests", "classes_with_more_than_one_request",
                    "early", "lateness_ms"], output


def test_api(tmp_path: Path) -> None:
    rows = table_rows(smoke(tmp_path, "api.py"),
                      "| target | req/s | x Starlette | p50 ms | p99 ms | requests | errors |")
    assert [row[0] for row in rows] == ["starlette_json", "strawberry_hello",
                                        "prebookings_first_20", "create_prebooking"], rows


@pytest.mark.parametrize(("program", "lines"), [
    ("localqstash_latency.py", [r"messages: +5 \(delivered 5\)", r"publish throughput: ",
                                r"early deliveries: ",
                                r"lateness ms: +first \S+ +p50 \S+ +p99 \S+ +max \S+"]),
    ("localqstash_memory.py", [r"messages: +\d+ pending", r"publish throughput: ",
                               r"server RSS MiB: +idle \S+ +after publish \S+ +\S+ s later \S+"]),
])
def test_localqstash(tmp_path: Path, program: str, lines: list[str]) -> None:
    output = smoke(tmp_path, program).splitlines()
    assert len(output) == len(lines), output
    for line, pattern in zip(output, lines, strict=True):
        assert re.match(pattern, line), (pattern, line)


def test_precision_over_two_instances_on_postgresql(tmp_path: Path) -> None:
    require_postgres()  # the run's own database is made (and dropped) on that server
    result = json.loads(smoke(tmp_path, "precision.py", "--instances", "2", "--n", "2",
                              "--json"))
    assert result["instances"] == 2
    [run] = result["runs"]
    assert (run["n"], run["rounds"]) == (2, 1)
    assert set(PRECISION_KEYS) | {"inversions_within"} <= set(run), run
