"""QSTASH_ENABLED=false: localqstash's scheduler runs inside the app, so the same jobs run the
same way as with QStash: the execution at the opening, watch checks, the cron schedules (its
own module: one stack at a time)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from qstash import QStash

from api.settings import Settings
from jobs.schedules import DECLARED
from tests.e2e.test_athletes import create, free_place, new_class, until, user
from tests.e2e.test_scenario import wait_final
from tests.stack import Stack, child_env, running_stack


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("alone"), QSTASH_ENABLED="false",
                       PREBOOK_WATCH_INTERVAL_S=1.0) as stack:
        yield stack


def running_settings(stack: Stack) -> Settings:
    """The settings the app runs with: the embedded scheduler's URL and the credentials it
    made at start-up (the lifespan's AppState)."""
    settings: Settings = stack.api.server.lifespan.state["settings"]
    assert not settings.qstash.enabled and settings.qstash.url != stack.qstash.url
    return settings


def embedded(stack: Stack) -> QStash:
    """The app's own scheduler."""
    settings = running_settings(stack)
    return QStash(str(settings.qstash.token), base_url=settings.qstash.url)


def test_a_prebooking_is_published_to_the_embedded_scheduler_and_fires(alone: Stack) -> None:
    token, node_id, demo = alone.prebook("alone@example.com", opens_in=3)
    message_id = alone.prebooking(token, node_id)["qstashMessageId"]
    assert message_id  # published through the SDK, as to QStash
    assert embedded(alone).message.get(message_id).url.endswith("/api/jobs/prebooking/execute")
    final = wait_final(alone, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final


def test_the_cron_schedules_run_on_the_embedded_scheduler(alone: Stack) -> None:
    present = {s.schedule_id for s in embedded(alone).schedule.list()}
    assert {d.id for d in DECLARED} <= present


def test_a_full_class_is_watched_without_qstash(alone: Stack) -> None:
    token = user(alone, "alone-watcher")
    now = datetime.now(UTC)
    opens = now + timedelta(seconds=2)
    made = new_class(alone, start=now + timedelta(hours=5), capacity=1, booked=1,
                     opens_at=opens)
    row = create(alone, token, made, opensAt=opens.isoformat(), watchIfFull=True)
    assert until(alone, token, row["id"], "WATCHING")["outcome"] == "FULL"
    free_place(alone, made["id"])
    assert until(alone, token, row["id"], "COMPLETED")["outcome"] == "BOOKED"


def test_several_workers_are_refused_without_qstash(tmp_path: Path) -> None:
    from api.settings import SettingsError

    with pytest.raises(SettingsError, match="PREBOOK_WORKERS must be 1"):
        Settings().replace(server={"data_dir": tmp_path, "workers": 2}, qstash={"enabled": False})


def test_the_health_check_reads_the_embedded_scheduler(alone: Stack) -> None:
    answer = httpx.get(f"{alone.api.url}/api/admin/qstash-health", timeout=10,
                       headers={"Authorization": f"Bearer {alone.token('ops@x.test', admin=True)}"})
    report = answer.json()
    assert answer.status_code == 200 and report["healthy"] is True, report
    assert report["qstash"]["embedded"] is True and report["qstash"]["reachable"] is True


def prebook_cli(stack: Stack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args],
                          env=child_env(stack.settings, **env), capture_output=True, text=True,
                          timeout=25)


def test_the_operator_commands_reach_the_embedded_scheduler(alone: Stack) -> None:
    endpoint = alone.settings.server.data_dir / "localqstash" / "endpoint.json"
    assert stat.S_IMODE(endpoint.stat().st_mode) == 0o600
    assert json.loads(endpoint.read_text())["url"] == running_settings(alone).qstash.url
    listed = prebook_cli(alone, "schedules", "list")
    assert listed.returncode == 0, listed.stderr
    for declared in DECLARED:
        assert declared.id in listed.stdout
    assert prebook_cli(alone, "dlq", "list").returncode == 0


def test_without_a_running_server_the_operator_commands_say_so(alone: Stack,
                                                               tmp_path: Path) -> None:
    refused = prebook_cli(alone, "schedules", "list", PREBOOK_DATA_DIR=str(tmp_path))
    assert refused.returncode == 2
    assert "runs inside `prebook serve`" in refused.stderr and "start it first" in refused.stderr
    stale = tmp_path / "localqstash"
    stale.mkdir()
    (stale / "endpoint.json").write_text(json.dumps(
        {"url": "http://127.0.0.1:9", "token": "t", "pid": 2**22 + 12345}))
    gone = prebook_cli(alone, "dlq", "list", PREBOOK_DATA_DIR=str(tmp_path))
    assert gone.returncode == 2 and "is gone" in gone.stderr, gone.stderr
