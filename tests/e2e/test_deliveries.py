"""Signed deliveries against a real API: forged ones change nothing, repeats book nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest
from qstash import QStash

from localqstash import DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN
from tests.e2e.jobkit import raw_id
from tests.e2e.test_scenario import GET, book_requests, wait_final
from tests.stack import Stack, running_stack

PATH = "/api/jobs/prebooking/execute"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("deliveries")) as running:
        yield running


def signature(body: bytes, url: str, *, key: str = DEV_CURRENT_SIGNING_KEY,
              ttl: int = 300, iat: int | None = None) -> str:
    now = int(time.time()) if iat is None else iat
    digest = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode().rstrip("=")
    claims = {"iss": "Upstash", "sub": url, "body": digest, "iat": now, "nbf": now,
              "exp": now + ttl, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key, algorithm="HS256")


def deliver(stack: Stack, body: bytes, sig: str | None, message_id: str = "msg_test"
            ) -> httpx.Response:
    headers = {"Content-Type": "application/json", "Upstash-Message-Id": message_id,
               "Upstash-Retried": "0"}
    if sig is not None:
        headers["Upstash-Signature"] = sig
    return httpx.post(stack.api.url + PATH, content=body, headers=headers, timeout=30)


def pending_prebooking(
    stack: Stack, email: str, opens_in: float
) -> tuple[str, str, str, str]:
    """(token, node id, raw id, class id) of a new prebooking opening `opens_in` s from now."""
    token, node_id, demo = stack.prebook(email, opens_in)
    return token, node_id, raw_id(node_id), demo["id"]


def test_forged_deliveries_get_401_and_change_nothing(stack: Stack) -> None:
    token, node_id, raw_id, class_id = pending_prebooking(stack, "forged@example.com", 3600)
    body = json.dumps({"prebookingId": raw_id}).encode()
    url = stack.settings.server.public_url + PATH
    forged = {
        "missing header": None,
        "garbage": "not-a-jwt",
        "tampered body": signature(json.dumps({"prebookingId": str(uuid.uuid4())}).encode(),
                                   url),
        "wrong subject": signature(body, "http://attacker.example" + PATH),
        "unknown key": signature(body, url, key="sig_" + "x" * 28),
        "expired": signature(body, url, iat=int(time.time()) - 3600, ttl=60),
        "re-serialised body": signature(json.dumps({"prebookingId": raw_id}, indent=1).encode(),
                                        url),
    }
    for name, sig in forged.items():
        answer = deliver(stack, body, sig, message_id=f"msg_forged_{name}")
        assert answer.status_code == 401, (name, answer.text)
    state = stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"]
    assert state["status"] == "PENDING" and state["attempts"] == 0
    assert book_requests(stack, class_id) == []

    # Correctly signed but an hour early: sent back with Retry-After, nothing claimed.
    early = deliver(stack, body, signature(body, url), message_id="msg_early")
    assert early.status_code == 503 and int(early.headers["Retry-After"]) > 3000
    state = stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"]
    assert state["status"] == "PENDING" and book_requests(stack, class_id) == []


def test_the_next_signing_key_is_accepted(stack: Stack) -> None:
    token, node_id, raw_id, class_id = pending_prebooking(stack, "rotated@example.com", 3)
    # Only our delivery may run it: the one localqstash holds is cancelled first.
    message_id = stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"][
        "qstashMessageId"]
    QStash(DEV_TOKEN, base_url=stack.qstash.url).message.cancel(message_id)
    body = json.dumps({"prebookingId": raw_id}).encode()
    url = stack.settings.server.public_url + PATH
    rotated = deliver(stack, body, signature(body, url, key=DEV_NEXT_SIGNING_KEY),
                      message_id="msg_rotated")
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["result"]["status"] == "COMPLETED"
    state = stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"]
    assert state["status"] == "COMPLETED"
    assert len(book_requests(stack, class_id)) == 1


def test_repeated_deliveries_book_nothing_more(stack: Stack) -> None:
    token, node_id, raw_id, class_id = pending_prebooking(stack, "repeat@example.com", 2.5)
    state = stack.gql(GET, {"id": node_id}, token=token)["data"]["prebooking"]
    final = wait_final(stack, token, node_id, state["opensAt"])
    assert final["status"] == "COMPLETED", final
    assert len(book_requests(stack, class_id)) == 1

    body = json.dumps({"prebookingId": raw_id}).encode()
    url = stack.settings.server.public_url + PATH
    same_message = deliver(stack, body, signature(body, url), final["qstashMessageId"])
    assert same_message.status_code == 200 and same_message.json()["status"] == "duplicate"
    other_message = deliver(stack, body, signature(body, url), "msg_another_copy")
    assert other_message.status_code == 200
    result = other_message.json()["result"]
    assert result["ran"] is False and result["status"] == "COMPLETED"
    assert len(book_requests(stack, class_id)) == 1


def test_unknown_job_and_bad_payload_are_refused_without_retry(stack: Stack) -> None:
    bad = b'{"prebookingId": 42}'
    url = stack.settings.server.public_url + PATH
    answer = deliver(stack, bad, signature(bad, url), "msg_bad_payload")
    assert answer.status_code == 489
    assert answer.headers["Upstash-NonRetryable-Error"] == "true"
    assert "prebookingId must be a UUID" in answer.json()["error"]

    unknown_url = stack.settings.server.public_url + "/api/jobs/nothing/here"
    body = b"{}"
    unknown = httpx.post(unknown_url, content=body, timeout=10, headers={
        "Upstash-Signature": signature(body, unknown_url), "Upstash-Message-Id": "msg_x"})
    assert unknown.status_code == 404
