"""The box misbehaving: each case ends in a bounded time with a clear outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.jobkit import eventually
from tests.e2e.test_scenario import CREATE, book_requests, connect, wait_final
from tests.stack import DEMO_BOX_ID, Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("faults"), too_early_window_ms=1500,
                       answer_timeout_s=2.0) as running:
        yield running


def prebook(stack: Stack, member: str) -> tuple[str, str, dict[str, str]]:
    token = stack.token(member)
    connect(stack, token, "box-" + member)
    demo = stack.fake_class(opens_in=2.5)
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                           "day": demo["day"], "opensAt": demo["opensAt"]}},
                        token=token)
    return token, created["data"]["createPrebooking"]["id"], demo


def fault(stack: Stack, **settings: object) -> None:
    answer = httpx.post(f"{stack.fakebox.url}/_fake/faults", json=settings, timeout=5)
    assert answer.status_code == 200, answer.text


def test_a_brief_5xx_is_retried_and_books(stack: Stack) -> None:
    token, node_id, demo = prebook(stack, "flaky@example.com")
    fault(stack, status=503, count=2)
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
    assert final["attempts"] == 3
    assert [r["answer"].get("bookState") for r in book_requests(stack, demo["id"])][-1] == 1


def test_a_box_that_keeps_failing_ends_failed_inside_the_window(stack: Stack) -> None:
    token, node_id, demo = prebook(stack, "down@example.com")
    fault(stack, status=500, count=1000)
    started = time.monotonic()
    final = wait_final(stack, token, node_id, demo["opensAt"])
    fault(stack)  # clear
    assert final["status"] == "FAILED" and final["outcome"] == "UNKNOWN", final
    assert "HTTP 500" in final["errorMessage"]
    assert time.monotonic() - started < 15
    assert 1 < final["attempts"] < 40  # retried, but bounded by the window


def test_a_slow_answer_is_waited_for(stack: Stack) -> None:
    token, node_id, demo = prebook(stack, "slow@example.com")
    fault(stack, delayMs=1200, count=1)
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["attempts"] == 1, final


def test_no_answer_at_all_times_out_with_a_reason(stack: Stack) -> None:
    token, node_id, demo = prebook(stack, "silent@example.com")
    fault(stack, delayMs=3000, count=1)  # longer than the 2 s answer timeout
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "FAILED" and "no answer" in final["errorMessage"], final
    # The box got exactly one request (it records it once it has answered, late).
    eventually(lambda: len(book_requests(stack, demo["id"])) == 1, what="the late answer")
    time.sleep(0.5)
    assert len(book_requests(stack, demo["id"])) == 1


def test_logout_relogs_in_only_once(stack: Stack) -> None:
    token, node_id, demo = prebook(stack, "evicted@example.com")
    fault(stack, logout=True, count=5)
    final = wait_final(stack, token, node_id, demo["opensAt"])
    fault(stack)
    assert final["status"] == "FAILED" and final["outcome"] == "LOGGED_OUT", final
    assert final["attempts"] == 2  # the first answer, one re-login, one more try
