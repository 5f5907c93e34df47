"""The box misbehaving: each case ends in a bounded time with a clear outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.jobkit import eventually
from tests.e2e.test_scenario import book_requests, wait_final
from tests.stack import Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("faults"), PREBOOK_RETRY_WINDOW_MS=1500,
                       PREBOOK_ANSWER_TIMEOUT_S=2.0) as running:
        yield running


def fault(stack: Stack, **settings: object) -> None:
    answer = httpx.post(f"{stack.fakebox.url}/_fake/faults", json=settings, timeout=5)
    assert answer.status_code == 200, answer.text


def test_a_brief_5xx_is_retried_and_books(stack: Stack) -> None:
    token, node_id, demo = stack.prebook("flaky@example.com", 2.5)
    fault(stack, status=503, count=2)
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
    assert final["attempts"] == 3
    assert [r["answer"].get("bookState") for r in book_requests(stack, demo["id"])][-1] == 1


def test_a_box_that_keeps_failing_ends_failed_inside_the_window(stack: Stack) -> None:
    token, node_id, demo = stack.prebook("down@example.com", 2.5)
    fault(stack, status=500, count=1000)
    started = time.monotonic()
    final = wait_final(stack, token, node_id, demo["opensAt"])
    fault(stack)  # clear
    assert final["status"] == "FAILED" and final["outcome"] == "UNKNOWN", final
    assert "HTTP 500" in final["errorMessage"]
    assert time.monotonic() - started < 15
    assert 1 < final["attempts"] < 40  # retried, but bounded by the window


def test_a_slow_answer_is_waited_for(stack: Stack) -> None:
    token, node_id, demo = stack.prebook("slow@example.com", 2.5)
    fault(stack, delayMs=1200, count=1)
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["attempts"] == 1, final


def test_no_answer_at_all_times_out_with_a_reason(stack: Stack) -> None:
    token, node_id, demo = stack.prebook("silent@example.com", 2.5)
    fault(stack, delayMs=3000, count=1)  # longer than the 2 s answer timeout
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "FAILED" and "no answer" in final["errorMessage"], final
    # The box got exactly one request (it records it once it has answered, late).
    eventually(lambda: len(book_requests(stack, demo["id"])) == 1, what="the late answer")
    time.sleep(0.5)
    assert len(book_requests(stack, demo["id"])) == 1


def test_logout_relogs_in_only_once(stack: Stack) -> None:
    token, node_id, demo = stack.prebook("evicted@example.com", 2.5)
    fault(stack, logout=True, count=5)
    final = wait_final(stack, token, node_id, demo["opensAt"])
    fault(stack)
    assert final["status"] == "FAILED" and final["outcome"] == "LOGGED_OUT", final
    assert final["attempts"] == 2  # the first answer, one re-login, one more try
