"""The job layer run for real: jobs published to localqstash and delivered to the app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from qstash.errors import QStashError
from starlette.datastructures import Secret

from jobs import catalog
from jobs.payloads import NoPayload, PrebookingReminder
from jobs.schedules import DECLARED, PREFIX, ScheduleDef, compare, sync_schedules
from tests.e2e.jobkit import enqueue, eventually, job_client, qstash, query, raw_id
from tests.e2e.test_scenario import GET, book_requests, wait_final
from tests.servers import free_port
from tests.stack import Stack, running_stack

NOTES = "{ notifications { kind title body prebookingId emailedAt } }"


class Inbox:
    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    handler = Inbox(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Stack]:
    smtp = Secret(f"smtp://127.0.0.1:{inbox.port}")
    with running_stack(tmp_path_factory.mktemp("jobs"), PREBOOK_MISSED_AFTER_S=1.0,
                       PREBOOK_STUCK_AFTER_S=1.0, PREBOOK_RETRY_WINDOW_MS=500,
                       PREBOOK_ANSWER_TIMEOUT_S=1.0, SMTP_URL=smtp) as running:
        yield running


def test_schedules_sync_is_idempotent_and_removes_only_ours(stack: Stack) -> None:
    client = job_client(stack)
    sdk = qstash(stack)
    sdk.schedule.create(destination="http://127.0.0.1:9/foreign", cron="0 0 * * *",
                        schedule_id="someone-elses")
    sdk.schedule.create(destination=stack.settings.server.public_url + "/api/jobs/old/job",
                        cron="0 0 * * *", schedule_id=PREFIX + "retired")
    first = asyncio.run(sync_schedules(client, DECLARED))
    assert sorted(first.created) == sorted(s.id for s in DECLARED)
    assert first.removed == [PREFIX + "retired"]
    second = asyncio.run(sync_schedules(client, DECLARED))
    assert not second.changed and len(second.unchanged) == len(DECLARED)

    changed = (*DECLARED[:-1], ScheduleDef(DECLARED[-1].id, DECLARED[-1].job, "0 19 * * 0",
                                           "Europe/Madrid"))
    third = asyncio.run(sync_schedules(client, changed))
    assert third.updated == [DECLARED[-1].id]
    rows = asyncio.run(compare(client, DECLARED))
    assert [r["state"] for r in rows] == ["ok"] * (len(DECLARED) - 1) + ["differs"]
    asyncio.run(sync_schedules(client, DECLARED))
    held = {s.schedule_id: s for s in sdk.schedule.list()}
    assert "someone-elses" in held and PREFIX + "retired" not in held
    assert held[PREFIX + "maintenance-cleanup"].cron == "CRON_TZ=Europe/Madrid 0 4 * * *"
    # Leave no minutely sweep behind to race the other tests.
    assert len(asyncio.run(sync_schedules(client, ())).removed) == len(DECLARED)


def test_health_needs_an_admin_and_reports_schedules(stack: Stack) -> None:
    url = f"{stack.api.url}/api/admin/qstash-health"
    assert httpx.get(url).status_code == 401
    user = {"Authorization": f"Bearer {stack.token('plain@example.com')}"}
    assert httpx.get(url, headers=user).status_code == 403
    admin = {"Authorization": f"Bearer {stack.token('ops@example.com', admin=True)}"}
    asyncio.run(sync_schedules(job_client(stack), DECLARED))
    healthy = httpx.get(url, headers=admin, timeout=30)
    assert healthy.status_code == 200, healthy.text
    report = healthy.json()
    assert report["qstash"]["reachable"] and report["qstash"]["latencyMs"] >= 0
    assert {r["state"] for r in report["schedules"]} == {"ok"}
    assert "depth" in report["dlq"]
    qstash(stack).schedule.delete(DECLARED[0].id)
    broken = httpx.get(url, headers=admin, timeout=30)
    assert broken.status_code == 503 and broken.json()["healthy"] is False
    asyncio.run(sync_schedules(job_client(stack), ()))


def test_dead_letters_fail_their_prebooking_and_leave_the_dlq(stack: Stack) -> None:
    token, node_id, _ = stack.prebook("dead@example.com", opens_in=3600)
    # Delivered an hour early with no retries left: the app answers 503 and it dies.
    enqueue(stack, catalog.EXECUTE_PREBOOKING,
            catalog.EXECUTE_PREBOOKING.payload_type.from_json({"prebookingId": raw_id(node_id)}),
            retries=0)
    sdk = qstash(stack)
    eventually(lambda: sdk.dlq.list().messages, what="a dead letter")
    enqueue(stack, catalog.DLQ_RECONCILE, NoPayload())
    final = eventually(lambda: (s := stack.prebooking(token, node_id))["status"] == "FAILED" and s,
                       what="FAILED")
    assert "delivery failed for good: HTTP 503" in final["errorMessage"]
    eventually(lambda: not sdk.dlq.list().messages, what="an empty DLQ")


def test_sweep_books_a_missed_prebooking_late(stack: Stack, inbox: Inbox) -> None:
    token, node_id, demo = stack.prebook("missed@example.com", opens_in=4)
    chosen = stack.gql("mutation { updateMe(input: {language: EN}) { language } }", token=token)
    assert chosen["data"]["updateMe"] == {"language": "EN"}  # notifications and emails follow
    qstash(stack).message.cancel(stack.prebooking(token, node_id)["qstashMessageId"])
    opens_at = datetime.fromisoformat(demo["opensAt"])
    eventually(lambda: datetime.now(UTC) > opens_at + timedelta(seconds=1.5), what="time")
    enqueue(stack, catalog.PREBOOKINGS_SWEEP, NoPayload())
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
    assert final["latenessMs"] > 1000  # late, and recorded as such
    notes = stack.gql(NOTES, token=token)["data"]["notifications"]
    assert [n["kind"] for n in notes] == ["OUTCOME"] and notes[0]["title"].startswith("Booked")
    assert notes[0]["emailedAt"] is not None
    mails = [m for m in inbox.messages if m[0] == ["missed@example.com"]]
    assert mails and "Subject: Booked:" in mails[0][1]


def test_sweep_reconciles_interrupted_executions_without_firing(stack: Stack) -> None:
    booked_token, booked_id, booked_class = stack.prebook("crash-a@example.com", 4)
    lost_token, lost_id, lost_class = stack.prebook("crash-b@example.com", 3600)
    qstash(stack).message.cancel(stack.prebooking(booked_token, booked_id)["qstashMessageId"])
    # As if the process died mid-way: A after its booking reached the box, B before sending.
    past = datetime.now(UTC) - timedelta(minutes=10)
    for node in (booked_id, lost_id):
        query(stack, "UPDATE prebookings SET status='EXECUTING', claimed_at=? WHERE id=?",
              past, raw_id(node))
    query(stack, "UPDATE prebookings SET opens_at=? WHERE id=?", past, raw_id(lost_id))
    opens_at = datetime.fromisoformat(booked_class["opensAt"])
    eventually(lambda: datetime.now(UTC) > opens_at, what="A's window open")
    answer = stack.book_by_hand("box-crash-a@example.com", booked_class)
    assert answer["bookState"] == 1, answer
    sent = len(book_requests(stack, booked_class["id"])) + len(
        book_requests(stack, lost_class["id"]))
    # Reconciling waits until any request of A's opening would be answered or timed out.
    settled = opens_at + timedelta(seconds=2.6)
    eventually(lambda: datetime.now(UTC) > settled, what="A's opening settled")
    enqueue(stack, catalog.PREBOOKINGS_SWEEP, NoPayload())
    a = eventually(lambda: (s := stack.prebooking(booked_token, booked_id))["status"] != "EXECUTING"
                   and s, what="A reconciled")
    b = eventually(lambda: (s := stack.prebooking(lost_token, lost_id))["status"] != "EXECUTING"
                   and s, what="B reconciled")
    assert a["status"] == "COMPLETED" and a["outcome"] == "BOOKED", a
    assert "booking list shows it booked" in a["errorMessage"]
    assert b["status"] == "FAILED" and "shows no booking" in b["errorMessage"]
    after = len(book_requests(stack, booked_class["id"])) + len(
        book_requests(stack, lost_class["id"]))
    assert after == sent  # reconciling sent no booking request


def test_reminders_and_follow_up_reach_the_user(stack: Stack) -> None:
    token, node_id, demo = stack.prebook("remind@example.com", opens_in=2)
    assert wait_final(stack, token, node_id, demo["opensAt"])["status"] == "COMPLETED"
    # Scheduled for real: 24 h and 1 h before the class, and after it.
    pending = qstash(stack).message  # the reminder messages wait in localqstash
    start = datetime.fromisoformat(demo["opensAt"]) + timedelta(days=4)
    prebooking = raw_id(node_id)
    for hours in (24, 1):
        message = pending.get(_message_id(stack, f"reminder-{hours}h-{prebooking}"))
        assert abs(message.not_before / 1000 - (start - timedelta(hours=hours)).timestamp()) < 61
    # Moving time: deliver the 1 h reminder now.
    enqueue(stack, catalog.BOOKING_REMINDER, PrebookingReminder(uuid.UUID(prebooking), 1))
    notes = eventually(lambda: [n for n in stack.gql(NOTES, token=token)["data"]
                                ["notifications"] if n["kind"] == "REMINDER"], what="reminder")
    assert notes[0]["title"].startswith("En 1 h")  # Spanish: the default language


def _message_id(stack: Stack, dedup: str) -> str:
    """The id localqstash gave a message with this deduplication id (publishing again says)."""
    return str(httpx.post(
        f"{stack.qstash.url}/v2/publish/http://127.0.0.1:9/never",
        headers={"Authorization": f"Bearer {stack.settings.qstash.token}",
                 "Upstash-Deduplication-Id": dedup, "Upstash-Delay": "1d"},
    ).json()["messageId"])


def test_cleanup_and_weekly_report(stack: Stack) -> None:
    token, node_id, _ = stack.prebook("report@example.com", opens_in=3600)
    old = datetime.now(UTC) - timedelta(days=400)
    cancel = stack.gql("mutation($id: ID!) { cancelPrebooking(id: $id) { __typename } }",
                       {"id": node_id}, token=token)
    assert cancel["data"]["cancelPrebooking"]["__typename"] == "Prebooking"
    enqueue(stack, catalog.REPORT_WEEKLY, NoPayload())
    notes = eventually(lambda: [n for n in stack.gql(NOTES, token=token)["data"]
                                ["notifications"] if n["kind"] == "REPORT"], what="report")
    assert "Reservas programadas esta semana: 1" in notes[0]["body"]  # Spanish, the default
    query(stack, "UPDATE prebookings SET updated_at=? WHERE id=?", old, raw_id(node_id))
    query(stack, "UPDATE processed_deliveries SET received_at=?", old)
    enqueue(stack, catalog.MAINTENANCE_CLEANUP, NoPayload())
    eventually(lambda: not query(stack, "SELECT 1 FROM prebookings WHERE id=?",
                                 raw_id(node_id)), what="old prebooking pruned")
    assert stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"] is None


def test_delete_account_removes_data_and_cancels_messages(stack: Stack) -> None:
    token, node_id, _ = stack.prebook("leaving@example.com", opens_in=3600)
    message_id = stack.prebooking(token, node_id)["qstashMessageId"]
    answer = stack.gql("mutation { deleteAccount { scheduled messageId } }", token=token)
    assert answer["data"]["deleteAccount"]["scheduled"] is True
    eventually(lambda: not query(stack, "SELECT 1 FROM prebookings WHERE id=?",
                                 raw_id(node_id)), what="data removed")
    assert not query(stack, "SELECT 1 FROM users WHERE email='leaving@example.com'")
    with pytest.raises(QStashError):
        qstash(stack).message.get(message_id)
