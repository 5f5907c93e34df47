"""Webhook signing and the failures a delivery or a relay can meet (end to end:
tests/e2e/test_webhooks.py)."""

from __future__ import annotations

import base64
import logging
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from qstash import AsyncQStash
from standardwebhooks.webhooks import Webhook

from booking.events import Change
from booking.infra.webhooks import WebhookRelay, Webhooks, WebhookSecretError, secret_key, sign
from jobs.client import JobClient
from jobs.errors import RetryableJobError
from jobs.metrics import metrics
from jobs.payloads import WebhookEvent
from tests.servers import free_port

KEY = b"k" * 32
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def test_the_signature_is_the_reference_librarys() -> None:
    body = '{"type":"prebooking.created","data":{"id":"x"}}'
    assert sign(KEY, "msg_1", 1_800_000_000, body) == Webhook(SECRET).sign(
        "msg_1", datetime.fromtimestamp(1_800_000_000, UTC), body)


def test_secret_forms() -> None:
    assert secret_key(SECRET) == KEY
    assert secret_key(SECRET.removeprefix("whsec_")) == KEY  # the prefix is optional
    unpadded = "whsec_" + base64.b64encode(b"x" * 25).decode().rstrip("=")
    assert secret_key(unpadded) == b"x" * 25
    with pytest.raises(WebhookSecretError, match="base64"):
        secret_key("whsec_not base64!")
    with pytest.raises(WebhookSecretError, match="too short"):
        secret_key("whsec_" + base64.b64encode(b"short").decode())


async def test_an_unreachable_receiver_is_a_retryable_failure() -> None:
    async with httpx.AsyncClient() as http:
        hooks = Webhooks(f"http://127.0.0.1:{free_port()}/hooks", KEY, http=http)
        with pytest.raises(RetryableJobError, match="could not be reached") as raised:
            await hooks.deliver(WebhookEvent(webhook_id="msg_1", body="{}"))
    assert raised.value.retryable


async def test_a_change_whose_job_cannot_be_queued_is_logged_and_counted(
        caplog: pytest.LogCaptureFixture) -> None:
    closed = JobClient(AsyncQStash("token", retry=False,
                                   base_url=f"http://127.0.0.1:{free_port()}"),
                       public_url="http://127.0.0.1:1")

    async def render(change: Change) -> dict[str, object]:
        return {"id": str(change.prebooking_id), "status": "PENDING"}

    relay = WebhookRelay(closed, render)
    before = metrics().webhooks_lost._value.get()
    change = Change(user_id=uuid.uuid4(), prebooking_id=uuid.uuid4(),
                    kind="prebooking.created", at=datetime.now(UTC))
    with caplog.at_level(logging.ERROR, logger="booking.infra.webhooks"):
        await relay.relay(change)  # returns at once: the publish runs in the background
        await relay.drain()
    assert metrics().webhooks_lost._value.get() == before + 1
    assert any("could not be queued and is lost" in r.getMessage()
               and str(change.prebooking_id) in r.getMessage() for r in caplog.records)


async def test_a_change_of_a_deleted_prebooking_sends_nothing() -> None:
    queued: list[object] = []

    class Recording(JobClient):
        async def enqueue(self, *args: object, **kwargs: object) -> str:  # type: ignore[override]
            queued.append(args)
            return "msg"

    async def render(change: Change) -> None:
        return None

    relay = WebhookRelay(Recording(AsyncQStash("t"), public_url="http://x"), render)
    await relay.relay(Change(user_id=uuid.uuid4(), prebooking_id=uuid.uuid4(),
                             kind="prebooking.cancelled", at=datetime.now(UTC)))
    await relay.drain()
    assert queued == []
