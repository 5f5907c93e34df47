"""The box hangs up mid-request (through a loopback proxy): a clear failure, never a hang."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.e2e.proxy import DroppingProxy
from tests.e2e.test_scenario import book_requests, wait_final
from tests.stack import Stack, running_stack


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, DroppingProxy]]:
    proxies: list[DroppingProxy] = []
    with ExitStack() as stack:

        def via(box_port: int) -> str:
            proxy = stack.enter_context(DroppingProxy(box_port).running())
            proxies.append(proxy)
            return f"http://127.0.0.1:{proxy.port}"

        running = stack.enter_context(running_stack(
            tmp_path_factory.mktemp("drop"), box_via=via, PREBOOK_ANSWER_TIMEOUT_S=2.0))
        yield running, proxies[0]


def test_a_dropped_booking_request_fails_with_a_reason(
    proxied: tuple[Stack, DroppingProxy],
) -> None:
    stack, proxy = proxied
    token, node_id, demo = stack.prebook("dropped@example.com", 2.5)
    proxy.drop_books = 1
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert proxy.dropped == 1
    assert final["status"] == "FAILED" and "no answer from the box" in final["errorMessage"]
    assert book_requests(stack, demo["id"]) == []  # the box never saw it


def test_the_next_prebooking_through_the_same_path_books(
    proxied: tuple[Stack, DroppingProxy],
) -> None:
    stack, _ = proxied
    token, node_id, demo = stack.prebook("after-drop@example.com", 2.5)
    final = wait_final(stack, token, node_id, demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
