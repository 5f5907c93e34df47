"""Every prebooking change POSTed to the frontend's backend, signed as Standard Webhooks says.

A change becomes a `webhook.deliver` job at once, carrying the event's id and its body (the
prebooking as GraphQL shows it, rendered when it changed). The job's handler POSTs that body
byte for byte and signs it at the moment of each attempt (`webhook-id`, `webhook-timestamp`,
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`), so a retry an hour later
carries a fresh timestamp a receiver accepts. Any answer but 2xx, and no answer, is a retryable
failure: QStash retries with its backoff and, once it gives up, keeps the message in its
dead-letter queue (`prebook dlq list`). Nothing here touches the prebooking: a dead webhook never
affects a booking. The event id is the same on every attempt, so a receiver deduplicates by it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import httpx

from booking.events import Change
from jobs.catalog import WEBHOOK_DELIVER
from jobs.client import JobClient
from jobs.errors import RetryableJobError
from jobs.metrics import metrics
from jobs.payloads import WebhookEvent

log = logging.getLogger(__name__)
SECRET_PREFIX = "whsec_"
# How long one attempt may take before it counts as failed (QStash retries it).
ATTEMPT_TIMEOUT_S = 10.0


class WebhookSecretError(ValueError):
    pass


def secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: `whsec_` and base64 (the prefix optional)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookSecretError(
            "PREBOOK_WEBHOOK_SECRET must be whsec_ followed by base64 (for example "
            "whsec_ and 32 random bytes in base64)") from None
    if len(key) < 24:
        raise WebhookSecretError("PREBOOK_WEBHOOK_SECRET is too short: use at least 24 random "
                                   "bytes (32 recommended), base64 after whsec_")
    return key


def sign(key: bytes, webhook_id: str, timestamp: int, body: str) -> str:
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Webhooks:
    """Where events go and the key that signs them; `http` is the client that posts them."""

    url: str
    key: bytes = field(repr=False)
    http: httpx.AsyncClient = field(repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    async def deliver(self, event: WebhookEvent) -> dict[str, Any]:
        """One attempt; raises RetryableJobError unless the receiver answers 2xx."""
        timestamp = int(self.clock())
        headers = {
            "content-type": "application/json",
            "user-agent": "prebook-webhooks",
            "webhook-id": event.webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(self.key, event.webhook_id, timestamp, event.body),
        }
        try:
            answer = await self.http.post(self.url, content=event.body.encode(), headers=headers,
                                          timeout=ATTEMPT_TIMEOUT_S)
        except httpx.HTTPError as exc:
            raise RetryableJobError(
                f"webhook {event.webhook_id}: the receiver could not be reached "
                f"({type(exc).__name__})") from exc
        if not answer.is_success:
            raise RetryableJobError(
                f"webhook {event.webhook_id}: the receiver answered HTTP {answer.status_code}")
        return {"webhookId": event.webhook_id, "status": answer.status_code}


Render = Callable[[Change], Awaitable[dict[str, Any] | None]]


class WebhookRelay:
    """Turns each change into a `webhook.deliver` job (a relay of `PrebookingEvents`).

    The body is rendered at once, so it shows the prebooking as the change left it; the job is
    published in the background, so a slow QStash never holds up the path that moved the
    prebooking (a claim at the opening among them). A publish that fails is logged with the
    event; `drain` waits for the publishes still under way (at shutdown).
    """

    def __init__(self, jobs: JobClient, render: Render, *, retry_delay: str | None = None
                 ) -> None:
        self._jobs = jobs
        self._render = render
        self._retry_delay = retry_delay  # a QStash expression in ms; None: QStash's backoff
        self._pending: set[asyncio.Task[None]] = set()

    async def relay(self, change: Change) -> None:
        data = await self._render(change)
        if data is None:  # the prebooking is gone already (account deleted)
            return
        event = WebhookEvent(webhook_id=f"msg_{uuid.uuid4().hex}", body=json.dumps(
            {"type": change.kind,
             "timestamp": change.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
             "data": data},
            separators=(",", ":"), ensure_ascii=False))
        task = asyncio.create_task(self._publish(event, change))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish(self, event: WebhookEvent, change: Change) -> None:
        try:
            await self._jobs.enqueue(WEBHOOK_DELIVER, event, retry_delay=self._retry_delay)
        except Exception as exc:
            metrics().record_webhook_lost()
            log.error("webhook %s (%s of prebooking %s) could not be queued and is lost: %s",
                      event.webhook_id, change.kind, change.prebooking_id, exc)
            return
        log.info("webhook %s queued: %s of prebooking %s", event.webhook_id, change.kind,
                 change.prebooking_id)

    async def drain(self, timeout_s: float = 10.0) -> None:
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout_s)
