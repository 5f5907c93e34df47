"""Outbound webhooks end to end: a receiver on loopback verifies each delivery with the
Standard Webhooks reference library, answers 500 to every first attempt, and sees QStash's
retry carry the same event, freshly signed."""

from __future__ import annotations

import base64
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from booking.infra.webhooks import secret_key, sign
from tests.e2e.jobkit import eventually
from tests.servers import serve
from tests.stack import Stack, running_stack

SECRET = "whsec_" + base64.b64encode(b"prebook-webhook-test-key-32-bytes").decode()


@dataclass
class Receiver:
    """Fails the first `fail_first` attempts of each event, then answers 204."""

    fail_first: int = 1
    seen: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _attempts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            body = await request.body()
            try:
                event = Webhook(SECRET).verify(body, dict(request.headers))
            except WebhookVerificationError as exc:
                with self._lock:
                    self.refused.append(str(exc))
                return Response(status_code=400)
            webhook_id = request.headers["webhook-id"]
            with self._lock:
                self._attempts[webhook_id] += 1
                attempt = self._attempts[webhook_id]
                status = 500 if attempt <= self.fail_first else 204
                self.seen.append({"id": webhook_id, "attempt": attempt, "status": status,
                                  "timestamp": int(request.headers["webhook-timestamp"]),
                                  "event": event})
            return Response(status_code=status)

        return Starlette(routes=[Route("/hooks", hook, methods=["POST"])])

    def delivered(self, kind: str, prebooking_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [s for s in self.seen if s["event"]["type"] == kind
                    and s["event"]["data"]["id"] == prebooking_id]


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Receiver]]:
    receiver = Receiver()
    with serve(receiver.app()) as server, running_stack(
            tmp_path_factory.mktemp("webhooks"), PREBOOK_WEBHOOK_URL=f"{server.url}/hooks",
            PREBOOK_WEBHOOK_SECRET=SECRET,
            PREBOOK_WEBHOOK_RETRY_DELAY="1100") as stack:
        yield stack, receiver


def test_every_change_is_posted_signed_and_retried_after_a_500(
        hooked: tuple[Stack, Receiver]) -> None:
    stack, receiver = hooked
    token, node_id, _ = stack.prebook("hooked@example.com", opens_in=3)
    final = stack.wait_for("query($id: ID!) { prebooking(id: $id) { status outcome } }",
                           {"id": node_id}, token,
                           lambda d: d["data"]["prebooking"]["status"] == "COMPLETED")
    assert final["data"]["prebooking"]["outcome"] == "BOOKED"

    for kind, status in (("prebooking.created", "PENDING"),
                         ("prebooking.executing", "EXECUTING"),
                         ("prebooking.completed", "COMPLETED")):
        attempts = eventually(lambda k=kind: (got := receiver.delivered(k, node_id))
                              and got[-1]["status"] == 204 and got,
                              timeout=20, what=f"{kind} delivered")
        first, retry = attempts
        assert (first["status"], retry["status"]) == (500, 204)
        assert first["id"] == retry["id"] and first["event"] == retry["event"]
        # Signed at each attempt: the retry (1.1 s later) carries a later timestamp.
        assert retry["timestamp"] > first["timestamp"]
        data = first["event"]["data"]
        assert data["status"] == status, (kind, data)
        assert first["event"]["timestamp"].endswith("Z")
    completed = receiver.delivered("prebooking.completed", node_id)[0]["event"]["data"]
    assert completed["outcome"] == "BOOKED" and completed["bookState"] == 1
    assert completed["latenessMs"] is not None and completed["firedAt"] is not None
    assert not receiver.refused


def test_a_receiver_that_never_accepts_does_not_touch_the_booking(
        hooked: tuple[Stack, Receiver]) -> None:
    stack, receiver = hooked
    receiver.fail_first = 1000  # everything is refused from now on
    try:
        token, node_id, _ = stack.prebook("refused@example.com", opens_in=2)
        final = stack.wait_for("query($id: ID!) { prebooking(id: $id) { status outcome } }",
                               {"id": node_id}, token,
                               lambda d: d["data"]["prebooking"]["status"] == "COMPLETED")
        assert final["data"]["prebooking"]["outcome"] == "BOOKED"
        eventually(lambda: receiver.delivered("prebooking.completed", node_id), timeout=10,
                   what="an attempt")
        assert all(s["status"] == 500 for s in receiver.delivered("prebooking.completed",
                                                                  node_id))
    finally:
        receiver.fail_first = 1


def test_a_wrong_secret_is_refused_by_the_receiver() -> None:
    """Our signature is the reference library's, and another key fails its check."""
    body, now = '{"type":"prebooking.created"}', int(time.time())
    other = "whsec_" + base64.b64encode(b"another-key-of-thirty-two-bytes!").decode()

    def headers(secret: str) -> dict[str, str]:
        return {"webhook-id": "msg_1", "webhook-timestamp": str(now),
                "webhook-signature": sign(secret_key(secret), "msg_1", now, body)}

    assert Webhook(SECRET).verify(body, headers(SECRET)) == {"type": "prebooking.created"}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(SECRET).verify(body, headers(other))
