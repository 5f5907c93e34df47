"""The image's start command, run outside Docker: it applies the migrations and serves /health.

There is no Docker engine in the test environment, so the Dockerfile is checked as text and its
`CMD` is run as a plain process with the environment the image sets, against SQLite and
(when reachable) PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.postgres import fresh_database
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRETS = {
    "QSTASH_TOKEN": "container-qstash-token",
    "QSTASH_CURRENT_SIGNING_KEY": "sig_container_current",
    "QSTASH_NEXT_SIGNING_KEY": "sig_container_next",
    "AUTH_JWT_SECRET": "container-jwt-secret-0123456789-abcdef",
    "SECRET_KEY": "container-secret-key-0123456789-abcdef",
}


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def image_command() -> list[str]:
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", dockerfile(), flags=re.MULTILINE)
    assert len(commands) == 1, "the Dockerfile must have exactly one exec-form CMD"
    return json.loads(commands[0])  # type: ignore[no-any-return]


def image_env() -> dict[str, str]:
    """The ENV of the runtime stage (the last FROM)."""
    runtime = dockerfile().rsplit("\nFROM ", 1)[1]
    env: dict[str, str] = {}
    for block in re.findall(r"^ENV\s+((?:.*\\\n)*.*)$", runtime, flags=re.MULTILINE):
        for name, value in re.findall(r"(\w+)=(\S+)", block.replace("\\\n", " ")):
            env[name] = value
    return env


def test_the_dockerfile_is_production_shaped() -> None:
    text = dockerfile()
    assert len(re.findall(r"^FROM python:\$\{PYTHON_VERSION\}-slim AS ", text, re.M)) == 2
    assert re.search(r"^USER prebook", text, re.M), "runs as a non-root user"
    assert re.search(r"^HEALTHCHECK .*\n.*/health", text, re.M)
    env = image_env()
    assert env["PREBOOK_ENV"] == "production" and env["PREBOOK_PORT"] == "8000"
    assert "PREBOOK_WORKERS" in env
    assert re.search(r"^EXPOSE 8000$", text, re.M)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "var", "tests"} <= set(ignored)


def test_the_start_command_is_the_documented_one() -> None:
    command = " ".join(image_command())
    assert command == "prebook serve"
    for doc in ("README.md", "docs/deploy.md"):
        assert command in (ROOT / doc).read_text(encoding="utf-8"), doc


@contextmanager
def started(command: list[str], env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    full_env = {**os.environ, **image_env(), **SECRETS, "PREBOOK_HOST": "127.0.0.1",
                "PREBOOK_PORT": str(port), "PUBLIC_URL": "https://prebook.example.com",
                "QSTASH_URL": f"http://127.0.0.1:{free_port()}", **env}
    full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(command, env=full_env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"exited with {process.returncode}: "
                                     f"{process.communicate()[1][-3000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("no answer on /health within 60 s")
            time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, as `docker stop` sends: a graceful shutdown. A single uvicorn process re-raises
    the signal once it has shut down (exit -15); the multi-worker supervisor exits 0."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    code = 0 if process.returncode == -signal.SIGTERM else process.returncode
    assert "Application shutdown complete" in stderr, stderr[-3000:]
    return code, stderr


def _documented(command: list[str]) -> list[str]:
    return [str(BIN / command[0]), *command[1:]]


def test_start_command_on_sqlite_migrates_and_serves(tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "prebook.sqlite3"
    with started(_documented(image_command()),
                 {"DATABASE_URL": f"sqlite://{database}", "PREBOOK_DATA_DIR": str(tmp_path)}
                 ) as (url, process):
        health = httpx.get(f"{url}/health", headers={"X-Request-Id": "container-1"})
        assert health.json() == {"status": "ok"}
        assert health.headers["x-request-id"] == "container-1"
        assert httpx.get(f"{url}/metrics").status_code == 200
        code, _ = _stop(process)
    assert code == 0
    tables = {row[0] for row in sqlite3.connect(database).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "prebooking" in tables or "prebookings" in tables, tables


@pytest.mark.postgres
def test_start_command_on_postgresql_with_two_workers() -> None:
    with fresh_database() as database_url:
        with started(_documented(image_command()),
                     {"DATABASE_URL": database_url, "PREBOOK_WORKERS": "2"}) as (url, process):
            for _ in range(4):
                assert httpx.get(f"{url}/health").json() == {"status": "ok"}
            code, _ = _stop(process)
        assert code == 0

        async def tables() -> set[str]:
            conn = await asyncpg.connect(database_url)
            try:
                rows = await conn.fetch("SELECT tablename FROM pg_tables "
                                        "WHERE schemaname = 'public'")
            finally:
                await conn.close()
            return {row["tablename"] for row in rows}

        found = asyncio.run(tables())
        assert "aerich" in found and len(found) > 2, found


SERVE = ("import os\n"
         "from api.serve import serve\n"
         "from api.settings import Settings\n"
         "raise SystemExit(serve(Settings.from_env(os.environ, mode='production')))\n")


def test_serve_runs_workers_and_logs_json(tmp_path: Path) -> None:
    """What `prebook serve` runs: PREBOOK_WORKERS workers of the app factory, JSON logs."""
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'prebook.sqlite3'}",
           "PREBOOK_DATA_DIR": str(tmp_path), "PREBOOK_WORKERS": "2"}
    with started([sys.executable, "-c", SERVE], env) as (url, process):
        answer = httpx.post(f"{url}/graphql", json={"query": "{ __schema { types { name } } }"},
                            headers={"X-Request-Id": "json-log-1"})
        assert "introspection" in answer.json()["errors"][0]["message"].lower()
        code, stderr = _stop(process)
    assert code == 0
    entries = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert entries, "no log lines"
    assert all({"ts", "level", "logger", "message"} <= entry.keys() for entry in entries)
    access = [e for e in entries if e["logger"] == "uvicorn.access" and "/graphql" in e["message"]]
    assert access and access[0]["requestId"] == "json-log-1"
    workers = [e for e in entries if e["message"].startswith("Started server process")]
    assert len(workers) == 2, workers
