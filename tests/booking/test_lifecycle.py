"""Every legal transition of a prebooking, in-process against a real database: each one is a
conditional move that publishes the event and counts in the metric, and only those."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from booking import lifecycle
from booking.lifecycle import LEGAL, IllegalTransitionError
from booking.services import Services
from jobs.metrics import metrics
from models.notifications import Notification
from models.prebookings import Prebooking
from models.prebookings import PrebookingStatus as S
from models.users import User

EVERY_MOVE = [(source, target) for source, targets in LEGAL.items()  # in a stable order
              for target in sorted(targets, key=lambda status: status.value)]


def transitions(source: S, target: S) -> float:
    value = metrics().registry.get_sample_value(
        "prebook_prebooking_transitions_total", {"source": source.value, "target": target.value})
    return value or 0.0


async def prebooking_in(status: S, user: User) -> Prebooking:
    return await Prebooking.create(
        user=user, status=status, box_id="10001", box_subdomain="demo",
        box_timezone="Europe/Madrid", class_id=uuid.uuid4().hex[:8], class_name="WOD",
        class_time="18:00-19:00", day=date.today() + timedelta(days=3),
        opens_at=datetime.now(UTC) + timedelta(days=1), dedup_key=uuid.uuid4().hex)


async def test_every_path_through_the_state_machine_is_covered() -> None:
    assert set(EVERY_MOVE) == {
        (S.PENDING, S.EXECUTING), (S.PENDING, S.CANCELLED), (S.PENDING, S.FAILED),
        (S.EXECUTING, S.PENDING), (S.EXECUTING, S.COMPLETED), (S.EXECUTING, S.FAILED),
        (S.EXECUTING, S.WATCHING), (S.WATCHING, S.EXECUTING), (S.WATCHING, S.CANCELLED),
        (S.WATCHING, S.FAILED), (S.COMPLETED, S.CANCELLED)}
    assert lifecycle.FINAL == {S.COMPLETED, S.FAILED, S.CANCELLED}
    # Nothing leaves a final state but a booking cancelled at the box.
    assert {(s, t) for s, t in EVERY_MOVE if s in lifecycle.FINAL} == {(S.COMPLETED, S.CANCELLED)}


@pytest.mark.parametrize(("source", "target"), EVERY_MOVE)
async def test_each_transition_moves_publishes_and_counts(services: Services, source: S,
                                                          target: S) -> None:
    user = await User.create(subject=f"s-{uuid.uuid4()}", email="life@example.com")
    row = await prebooking_in(source, user)
    before = transitions(source, target)
    with services.events.subscribe(user.id) as events:
        moved = await lifecycle.move(row.id, source=source, target=target, services=services,
                                     facts={"error_message": "why"})
        assert moved is not None and moved.status is target
        assert await asyncio.wait_for(events.get(), 1) == row.id
    assert transitions(source, target) == before + 1
    assert moved.error_message == "why"  # the facts of the transition are stored with it
    # The live-uniqueness key goes when the prebooking can no longer book.
    assert (moved.dedup_key is None) == (target in (S.FAILED, S.CANCELLED))
    assert (moved.claimed_at is not None) == (target is S.EXECUTING)
    assert (moved.cancelled_at is not None) == (target is S.CANCELLED)
    told = await Notification.filter(prebooking_id=row.id, kind="OUTCOME").count()
    # The outcome when it ends; the first time it starts WATCHING, that prebook watches.
    assert told == (1 if target in (S.COMPLETED, S.FAILED, S.WATCHING) else 0)



async def test_a_move_from_a_state_the_row_is_not_in_changes_nothing(services: Services) -> None:
    user = await User.create(subject=f"s-{uuid.uuid4()}", email="race@example.com")
    row = await prebooking_in(S.CANCELLED, user)
    before = transitions(S.PENDING, S.EXECUTING)
    with services.events.subscribe(user.id) as events:
        assert await lifecycle.move(row.id, source=S.PENDING, target=S.EXECUTING,
                                    services=services) is None
        assert events.empty()
    assert transitions(S.PENDING, S.EXECUTING) == before
    assert (await Prebooking.get(id=row.id)).status is S.CANCELLED


async def test_two_paths_racing_for_one_prebooking_one_wins(services: Services) -> None:
    user = await User.create(subject=f"s-{uuid.uuid4()}", email="two@example.com")
    row = await prebooking_in(S.PENDING, user)
    results = await asyncio.gather(
        lifecycle.move(row.id, source=S.PENDING, target=S.EXECUTING, services=services),
        lifecycle.move(row.id, source=S.PENDING, target=S.CANCELLED, services=services))
    assert sum(r is not None for r in results) == 1


async def test_the_first_expected_state_that_holds_is_the_one_recorded(
        services: Services) -> None:
    user = await User.create(subject=f"s-{uuid.uuid4()}", email="dlq@example.com")
    row = await prebooking_in(S.EXECUTING, user)
    before = transitions(S.EXECUTING, S.FAILED)
    moved = await lifecycle.move(row.id, source=(S.PENDING, S.EXECUTING), target=S.FAILED,
                                 services=services)
    assert moved is not None and transitions(S.EXECUTING, S.FAILED) == before + 1


@pytest.mark.parametrize(("source", "target"), [
    (S.COMPLETED, S.PENDING), (S.FAILED, S.EXECUTING), (S.CANCELLED, S.PENDING),
    (S.PENDING, S.COMPLETED), (S.PENDING, S.PENDING)])
async def test_illegal_moves_are_refused_before_touching_the_database(
        services: Services, source: S, target: S) -> None:
    with pytest.raises(IllegalTransitionError):
        await lifecycle.move(uuid.uuid4(), source=source, target=target, services=services)
