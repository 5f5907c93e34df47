"""Operator commands against a running stack, and session upkeep."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from jobs import catalog
from jobs.payloads import NoPayload
from jobs.schedules import DECLARED, sync_schedules
from models.encryption import Vault
from tests.e2e.jobkit import as_datetime, enqueue, eventually, job_client, qstash, query, raw_id
from tests.e2e.test_scenario import connect
from tests.servers import free_port
from tests.stack import Stack, running_stack

ME = "{ me { aimharder { status lastError } } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("ops")) as running:
        yield running


def prebook_cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": stack.settings.server.database_url,
           "QSTASH_URL": stack.qstash.url, "PUBLIC_URL": stack.settings.server.public_url}
    env.pop("PREBOOK_ENV", None)
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, text=True,
                          capture_output=True, timeout=60, check=False)


def test_schedules_health_and_dlq_commands(stack: Stack) -> None:
    listed = prebook_cli(stack, "schedules", "list")
    assert listed.returncode == 1 and "missing" in listed.stdout  # nothing synced yet
    synced = prebook_cli(stack, "schedules", "sync")
    assert synced.returncode == 0, synced.stderr
    declared = len(DECLARED)
    assert declared >= 6  # upkeep, sweep, dead letters, rules, clean-up, report
    assert f"{declared} created, 0 updated, 0 removed, 0 unchanged" in synced.stdout
    assert all(f"created    {d.id}" in synced.stdout for d in DECLARED)
    again = prebook_cli(stack, "schedules", "sync")
    assert f"0 created, 0 updated, 0 removed, {declared} unchanged" in again.stdout
    assert prebook_cli(stack, "schedules", "list").returncode == 0
    health = prebook_cli(stack, "health")
    assert health.returncode == 0, health.stdout + health.stderr
    assert '"healthy": true' in health.stdout
    dlq = prebook_cli(stack, "dlq", "list")
    assert dlq.returncode == 0 and "dead letter(s)" in dlq.stdout
    reconcile = prebook_cli(stack, "dlq", "reconcile")
    assert reconcile.returncode == 0 and '"failed": []' in reconcile.stdout
    # Remove ours again so the minutely sweep does not run during other tests.
    asyncio.run(sync_schedules(job_client(stack), ()))


def test_reschedule_publishes_for_pending_rows_without_a_message(stack: Stack) -> None:
    token, node_id, _ = stack.prebook("orphan@example.com", opens_in=3600)
    query(stack, "UPDATE prebookings SET qstash_message_id=NULL WHERE id=?", raw_id(node_id))
    done = prebook_cli(stack, "prebookings", "reschedule")
    assert done.returncode == 0 and "published 1, failed 0" in done.stdout, done.stdout
    assert stack.prebooking(token, node_id)["qstashMessageId"]


def test_sessions_refresh_checks_only_accounts_opening_soon_and_marks_lost_ones(
        stack: Stack) -> None:
    token, _, _ = stack.prebook("renew@example.com", opens_in=1200)
    broken, _, _ = stack.prebook("broken@example.com", opens_in=1200)
    idle = stack.token("idle@example.com")
    connect(stack, idle, "box-idle@example.com")
    vault = Vault(str(stack.settings.auth.secret_key))
    query(stack, "UPDATE aimharder_accounts SET password_enc=?, refresh_token_enc=? "
                 "WHERE email=?", vault.encrypt("not-the-password"),
          vault.encrypt("not-a-refresh-token"), "box-broken@example.com")
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)  # confirmed a while ago
    query(stack, "UPDATE aimharder_accounts SET session_checked_at=?", an_hour_ago)
    checked = "SELECT session_checked_at FROM aimharder_accounts WHERE email=?"
    before = {e: as_datetime(query(stack, checked, e)[0][0])
              for e in ("box-renew@example.com", "box-idle@example.com")}
    httpx.post(f"{stack.fakebox.url}/_fake/sessions/expire", timeout=5).raise_for_status()
    enqueue(stack, catalog.SESSIONS_REFRESH, NoPayload())
    eventually(lambda: stack.gql(ME, token=broken)["data"]["me"]["aimharder"]["status"]
               == "LOGIN_FAILED", what="account marked")
    assert "connect again" in stack.gql(ME, token=broken)["data"]["me"]["aimharder"]["lastError"]
    assert stack.gql(ME, token=token)["data"]["me"]["aimharder"]["status"] == "ACTIVE"
    renewed = as_datetime(query(stack, checked, "box-renew@example.com")[0][0])
    assert renewed > before["box-renew@example.com"]  # checked again, renewed at the box
    # no prebooking opening soon: not touched at all
    assert as_datetime(query(stack, checked, "box-idle@example.com")[0][0]) == before[
        "box-idle@example.com"]


def test_a_dead_watch_check_is_planned_again_and_leaves_the_dlq(stack: Stack) -> None:
    token, node_id, _ = stack.prebook("deadwatch@example.com", opens_in=3600)
    query(stack, "UPDATE prebookings SET status = 'WATCHING', watch_if_full = ? WHERE id = ?",
          True, raw_id(node_id))
    # A check whose every delivery failed (here: nobody listens at its address).
    dead_url = f"http://127.0.0.1:{free_port()}/api/jobs/{catalog.WATCH_PREBOOKING.path}"
    sdk = qstash(stack)
    sdk.message.publish_json(url=dead_url, body={"prebookingId": raw_id(node_id)}, retries=0)
    eventually(lambda: any(m.url == dead_url for m in sdk.dlq.list().messages),
               what="the dead check in the DLQ")
    done = prebook_cli(stack, "dlq", "reconcile")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["watchesReplanned"] == [raw_id(node_id)]
    assert not any(m.url == dead_url for m in sdk.dlq.list().messages)
    # The watch goes on: its next check is planned one interval from now (60 s here).
    assert stack.prebooking(token, node_id)["status"] == "WATCHING"
