"""The walking-skeleton scenario through real HTTP: GraphQL -> localqstash -> delivery -> box."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.stack import CLASSES, CONNECT, CREATE, DEMO_BOX_ID, GET, Stack, running_stack

__all__ = ["CLASSES", "CONNECT", "CREATE", "GET", "book_requests", "connect", "wait_final"]




@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e")) as running:
        yield running


def connect(stack: Stack, token: str, member: str) -> None:
    stack.connect(token, member)


def wait_final(stack: Stack, token: str, prebooking_id: str, opens_at: str) -> dict[str, object]:
    """Polls until the prebooking is final; allows 20 s past its opening."""
    remaining = (datetime.fromisoformat(opens_at) - datetime.now(UTC)).total_seconds()
    data = stack.wait_for(
        GET, {"id": prebooking_id}, token,
        lambda d: d["data"]["prebooking"]["status"] in {"COMPLETED", "FAILED"},
        timeout=max(remaining, 0) + 20,
    )
    return data["data"]["prebooking"]  # type: ignore[no-any-return]


def book_requests(stack: Stack, class_id: str) -> list[dict[str, object]]:
    return [r for r in stack.box_requests()
            if str(r["path"]).endswith("/api/book") and r["form"].get("id") == class_id]


# A discovered opening is a class's start (a whole minute) minus the box's window: the test
# waits for the next whole minute at least 3 s away, up to 63 s, past the 30 s default limit.
@pytest.mark.timeout(120)
def test_prebooking_discovers_the_opening_and_books_at_it(stack: Stack) -> None:
    token = stack.token("discover@example.com")
    connect(stack, token, "m1@box.example")
    demo = stack.fake_class(opens_in=3, whole_minute=True)
    classes = stack.gql(CLASSES, {"boxId": DEMO_BOX_ID, "day": demo["day"]}, token=token)
    assert demo["id"] in [c["id"] for c in classes["data"]["classes"]]

    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                           "day": demo["day"]}}, token=token)
    prebooking = created["data"]["createPrebooking"]
    assert prebooking["__typename"] == "Prebooking", created
    assert prebooking["status"] == "PENDING"
    assert prebooking["qstashMessageId"]
    opens_at = datetime.fromisoformat(demo["opensAt"])
    # Discovered from the box's "too early" answer: class start minus its 4-day window.
    assert datetime.fromisoformat(prebooking["opensAt"]) == opens_at

    final = wait_final(stack, token, prebooking["id"], demo["opensAt"])
    assert final["status"] == "COMPLETED", final
    assert final["outcome"] == "BOOKED"
    assert final["bookState"] == 1
    assert final["bookingId"]
    assert final["firedAt"] is not None
    assert isinstance(final["latenessMs"], float) and final["latenessMs"] >= 0

    requests = book_requests(stack, demo["id"])
    opens_ns = int(opens_at.timestamp() * 1e9)
    # One "too early" probe at creation (the discovery), then exactly one at the opening.
    before = [r for r in requests if int(r["receivedAtNs"]) < opens_ns]  # type: ignore[call-overload]
    after = [r for r in requests if int(r["receivedAtNs"]) >= opens_ns]  # type: ignore[call-overload]
    assert len(before) == 1 and before[0]["answer"]["bookState"] == -12  # type: ignore[index]
    assert len(after) == 1 and after[0]["answer"]["bookState"] == 1  # type: ignore[index]


def test_explicit_opening_sends_exactly_one_request(stack: Stack) -> None:
    token = stack.token("explicit@example.com")
    connect(stack, token, "m2@box.example")
    demo = stack.fake_class(opens_in=2.5)
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                           "day": demo["day"], "opensAt": demo["opensAt"]}},
                        token=token)
    prebooking = created["data"]["createPrebooking"]
    assert prebooking["__typename"] == "Prebooking", created
    final = wait_final(stack, token, prebooking["id"], demo["opensAt"])
    assert final["status"] == "COMPLETED" and final["outcome"] == "BOOKED", final
    requests = book_requests(stack, demo["id"])
    assert len(requests) == 1
    opens_ns = int(datetime.fromisoformat(demo["opensAt"]).timestamp() * 1e9)
    assert int(requests[0]["receivedAtNs"]) >= opens_ns  # type: ignore[call-overload]

    duplicate = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                             "day": demo["day"], "opensAt": demo["opensAt"]}},
                          token=token)
    assert duplicate["data"]["createPrebooking"]["__typename"] == "DuplicatePrebooking"


def test_another_user_cannot_see_or_cancel_a_prebooking(stack: Stack, tmp_path: Path) -> None:
    owner, other = stack.token("owner@example.com"), stack.token("other@example.com")
    connect(stack, owner, "m3@box.example")
    demo = stack.fake_class(opens_in=3600)
    created = stack.gql(CREATE, {"input": {"boxId": DEMO_BOX_ID, "classId": demo["id"],
                                           "day": demo["day"], "opensAt": demo["opensAt"]}},
                        token=owner)
    prebooking_id = created["data"]["createPrebooking"]["id"]

    assert stack.gql(GET, {"id": prebooking_id}, token=other)["data"]["prebooking"] is None
    node = stack.gql("query($id: ID!) { node(id: $id) { id } }", {"id": prebooking_id},
                     token=other)
    assert node["data"]["node"] is None
    listing = stack.gql("{ prebookings { edges { node { id } } } }", token=other)
    assert listing["data"]["prebookings"]["edges"] == []
    cancel = stack.gql("mutation($id: ID!) { cancelPrebooking(id: $id) { __typename } }",
                       {"id": prebooking_id}, token=other)
    assert cancel["data"]["cancelPrebooking"]["__typename"] == "NotFound"
    anonymous = stack.gql(GET, {"id": prebooking_id})
    assert anonymous["data"] == {"prebooking": None}
    assert anonymous["errors"][0]["message"] == "authentication required"

    mine = stack.gql("mutation($id: ID!) { cancelPrebooking(id: $id) { __typename "
                     "... on Prebooking { status } } }", {"id": prebooking_id}, token=owner)
    assert mine["data"]["cancelPrebooking"] == {"__typename": "Prebooking",
                                                "status": "CANCELLED"}
