"""Ten prebookings opening at the same instant reach the box in creation order, once each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from tests.e2e.test_scenario import CREATE, book_requests, connect, wait_final
from tests.stack import DEMO_BOX_ID, Stack, running_stack

N = 10


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("same-instant")) as running:
        yield running


def test_same_instant_prebookings_arrive_in_creation_order_and_book_once(stack: Stack) -> None:
    members = [f"same-{i}@example.com" for i in range(N)]
    tokens = [stack.token(m) for m in members]
    for token, member in zip(tokens, members, strict=True):
        connect(stack, token, member)
    demo = stack.fake_class(opens_in=3, capacity=N)
    ids = []
    for token in tokens:  # creation order
        created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                               "day": demo["day"], "opensAt": demo["opensAt"]}},
                            token=token)
        result = created["data"]["createPrebooking"]
        assert result["__typename"] == "Prebooking", created
        ids.append(result["id"])

    finals = [wait_final(stack, t, i, demo["opensAt"]) for t, i in zip(tokens, ids, strict=True)]
    assert all(f["status"] == "COMPLETED" and f["outcome"] == "BOOKED" for f in finals), finals
    assert all(f["attempts"] == 1 for f in finals)

    requests = book_requests(stack, demo["id"])
    opens_ns = int(datetime.fromisoformat(demo["opensAt"]).timestamp() * 1e9)
    arrived = sorted(requests, key=lambda r: int(r["receivedAtNs"]))  # type: ignore[call-overload]
    assert [r["email"] for r in arrived] == members  # creation order at the box
    assert all(int(r["receivedAtNs"]) >= opens_ns for r in arrived)  # type: ignore[call-overload]
    assert all(r["answer"]["bookState"] == 1 for r in arrived)  # type: ignore[index]
