"""The firing engine against the fake box: early answers retried, a logout re-logs in once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from tests.e2e.test_scenario import book_requests, wait_final
from tests.stack import Stack, running_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("firing")) as running:
        yield running


def test_too_early_answers_are_retried_until_the_box_opens(stack: Stack) -> None:
    demo = stack.fake_class(opens_in=2.5)
    box_opens = datetime.fromisoformat(demo["opensAt"])
    # Our idea of the opening is 300 ms ahead of the box's (a box clock lagging ours).
    ours = (box_opens - timedelta(milliseconds=300)).isoformat()
    token, prebooking_id, _ = stack.prebook("early@example.com", 0, demo=demo, opens_at=ours)
    final = wait_final(stack, token, prebooking_id, ours)
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
    assert final["attempts"] > 1
    requests = book_requests(stack, demo["id"])
    assert [r["answer"]["bookState"] for r in requests[:-1]] == [-12] * (len(requests) - 1)
    assert requests[-1]["answer"]["bookState"] == 1
    assert int(requests[-1]["receivedAtNs"]) >= int(box_opens.timestamp() * 1e9)


def test_a_logged_out_session_logs_in_once_and_books(stack: Stack) -> None:
    demo = stack.fake_class(opens_in=2.5)
    token, prebooking_id, _ = stack.prebook("logout@example.com", 0, demo=demo)
    fault = httpx.post(f"{stack.fakebox.url}/_fake/faults", json={"logout": True, "count": 1})
    assert fault.status_code == 200, fault.text
    final = wait_final(stack, token, prebooking_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
    assert final["attempts"] == 2
    assert len(book_requests(stack, demo["id"])) == 2


def test_a_full_class_fails_with_a_visible_reason(stack: Stack) -> None:
    demo = stack.fake_class(opens_in=2.5, capacity=0)
    token, prebooking_id, _ = stack.prebook("full@example.com", 0, demo=demo)
    final = wait_final(stack, token, prebooking_id, demo["opensAt"])
    assert final["status"] == "FAILED" and final["outcome"] == "FULL", final
    assert final["bookState"] == -1 and final["errorMessage"]
