"""A verified delivery runs once per signature, and a signed body that is hostile JSON is
refused for good (4xx) instead of crashing into QStash's retries (5xx)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from localqstash import DEV_CURRENT_SIGNING_KEY
from localqstash.signing import sign
from tests.api.apiserver import Api, running_api

CLEANUP = "/api/jobs/maintenance/cleanup"
EXECUTE = "/api/jobs/prebooking/execute"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with running_api(tmp_path_factory.mktemp("delivery-guards")) as running:
        yield running


def deliver(api: Api, path: str, body: bytes, signature: str, message_id: str
            ) -> httpx.Response:
    return httpx.post(api.url + path, content=body, timeout=30, headers={
        "Content-Type": "application/json", "Upstash-Signature": signature,
        "Upstash-Message-Id": message_id, "Upstash-Retried": "0"})


def test_a_captured_signature_runs_its_job_once(api: Api) -> None:
    body = b"{}"
    signature = sign(DEV_CURRENT_SIGNING_KEY, url=api.url + CLEANUP, body=body)
    first = deliver(api, CLEANUP, body, signature, "msg_original")
    assert first.status_code == 200 and first.json()["status"] == "ok", first.text
    for message_id in ("msg_original", "msg_replayed_under_a_new_id"):
        replay = deliver(api, CLEANUP, body, signature, message_id)
        assert replay.status_code in (200, 401), replay.text
        assert replay.json().get("status") != "ok", "the job ran again"
    replay = deliver(api, CLEANUP, body, signature, "msg_yet_another_id")
    assert replay.status_code == 401
    # A fresh signature (what QStash sends on each retry) is still accepted.
    again = sign(DEV_CURRENT_SIGNING_KEY, url=api.settings.server.public_url + CLEANUP, body=body)
    assert deliver(api, CLEANUP, body, again, "msg_next").json()["status"] == "ok"


@pytest.mark.parametrize("depth", [5_000, 30_000])
def test_a_signed_deeply_nested_body_is_refused_without_retry(api: Api, depth: int) -> None:
    body = b'{"prebookingId": ' + b"[" * depth + b"]" * depth + b"}"
    signature = sign(DEV_CURRENT_SIGNING_KEY, url=api.url + EXECUTE, body=body)
    answer = deliver(api, EXECUTE, body, signature, f"msg_deep_{depth}")
    assert answer.status_code == 489, answer.text
    assert answer.headers["Upstash-NonRetryable-Error"] == "true"
