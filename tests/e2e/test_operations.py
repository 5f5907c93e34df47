"""Operator commands against a running stack, session upkeep, and the no-QStash fallback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from jobs import catalog
from jobs.payloads import NoPayload
from models.encryption import Vault
from tests.e2e.jobkit import as_datetime, enqueue, eventually, query, raw_id
from tests.e2e.test_scenario import connect
from tests.stack import Stack, running_stack

ME = "{ me { aimharder { status lastError } } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("ops")) as running:
        yield running


def prebook_cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": stack.settings.database_url,
           "QSTASH_URL": stack.qstash.url, "PUBLIC_URL": stack.settings.public_url}
    env.pop("PREBOOK_ENV", None)
    return subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, text=True,
                          capture_output=True, timeout=60, check=False)


def test_schedules_health_and_dlq_commands(stack: Stack) -> None:
    listed = prebook_cli(stack, "schedules", "list")
    assert listed.returncode == 1 and "missing" in listed.stdout  # nothing synced yet
    synced = prebook_cli(stack, "schedules", "sync")
    assert synced.returncode == 0, synced.stderr
    assert "5 created, 0 updated, 0 removed, 0 unchanged" in synced.stdout
    again = prebook_cli(stack, "schedules", "sync")
    assert "0 created, 0 updated, 0 removed, 5 unchanged" in again.stdout
    assert prebook_cli(stack, "schedules", "list").returncode == 0
    health = prebook_cli(stack, "health")
    assert health.returncode == 0, health.stdout + health.stderr
    assert '"healthy": true' in health.stdout
    dlq = prebook_cli(stack, "dlq", "list")
    assert dlq.returncode == 0 and "dead letter(s)" in dlq.stdout
    reconcile = prebook_cli(stack, "dlq", "reconcile")
    assert reconcile.returncode == 0 and '"failed": []' in reconcile.stdout
    # Remove ours again so the minutely sweep does not run during other tests.
    import asyncio

    from jobs.schedules import sync_schedules
    from tests.e2e.jobkit import job_client

    asyncio.run(sync_schedules(job_client(stack), ()))


def test_reschedule_publishes_for_pending_rows_without_a_message(stack: Stack) -> None:
    token, node_id, _ = stack.prebook("orphan@example.com", opens_in=3600)
    query(stack, "UPDATE prebookings SET qstash_message_id=NULL WHERE id=?", raw_id(node_id))
    done = prebook_cli(stack, "prebookings", "reschedule")
    assert done.returncode == 0 and "published 1, failed 0" in done.stdout, done.stdout
    assert stack.prebooking(token, node_id)["qstashMessageId"]


def test_sessions_refresh_renews_and_marks_accounts_that_cannot_log_in(stack: Stack) -> None:
    token = stack.token("renew@example.com")
    connect(stack, token, "box-renew@example.com")
    soon = datetime.now(UTC) + timedelta(minutes=2)
    query(stack, "UPDATE aimharder_accounts SET token_expires_at=? WHERE email=?", soon,
          "box-renew@example.com")
    broken = stack.token("broken@example.com")
    connect(stack, broken, "box-broken@example.com")
    vault = Vault(str(stack.settings.secret_key))
    query(stack, "UPDATE aimharder_accounts SET token_expires_at=?, password_enc=?, "
                 "refresh_token_enc=? WHERE email=?", soon, vault.encrypt("not-the-password"),
          vault.encrypt("not-a-refresh-token"), "box-broken@example.com")
    enqueue(stack, catalog.SESSIONS_REFRESH, NoPayload())
    eventually(lambda: stack.gql(ME, token=broken)["data"]["me"]["aimharder"]["status"]
               == "LOGIN_FAILED", what="account marked")
    renewed = query(stack, "SELECT token_expires_at FROM aimharder_accounts WHERE email=?",
                    "box-renew@example.com")[0][0]
    assert as_datetime(renewed) > soon
    assert stack.gql(ME, token=token)["data"]["me"]["aimharder"]["status"] == "ACTIVE"
    assert "connect again" in stack.gql(ME, token=broken)["data"]["me"]["aimharder"]["lastError"]
