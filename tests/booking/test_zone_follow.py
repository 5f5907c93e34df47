"""A box's new time zone moves the openings of its pending prebookings, in-process over a real
database, localqstash and the fake box."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from qstash import AsyncQStash

from booking import accounts, prebookings
from booking.events import Change
from booking.services import Services
from jobs.client import JobClient
from models.prebookings import Prebooking, PrebookingStatus
from models.users import User
from tests.booking.boxkit import DEMO_BOX_ID, connected_user, fake_class
from tests.servers import ServerThread, free_port


class Caught:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    async def relay(self, change: Change) -> None:
        self.changes.append(change)


async def _pending(services: Services, box_url: str, user: User, hours: int) -> Prebooking:
    start = (datetime.now(UTC) + timedelta(days=20)).replace(hour=hours, minute=0, second=0,
                                                            microsecond=0)
    made = await fake_class(box_url, start=start)
    row = await prebookings.create(
        user, prebookings.NewPrebooking(box_id=DEMO_BOX_ID, class_id=str(made["id"]),
                                        day=made["date"]), services=services)
    assert row.status is PrebookingStatus.PENDING and row.qstash_message_id
    return row


async def test_a_moved_opening_is_announced_once_and_moves_once(
        services: Services, fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    row = await _pending(services, fakebox_server.url, user, 9)
    box = await accounts.update_box(user, box_id=DEMO_BOX_ID, timezone="Atlantic/Canary")
    caught = Caught()
    services.events.relays.append(caught)
    with services.events.subscribe(user.id) as heard:
        assert await prebookings.follow_box_timezone(user, box, services=services) == 1
        assert heard.get_nowait() == row.id and heard.empty()
    assert [(c.kind, c.prebooking_id) for c in caught.changes] == [
        ("prebooking.rescheduled", row.id)]
    moved = await Prebooking.get(id=row.id)
    assert moved.opens_at == row.opens_at + timedelta(hours=1)  # Canary is behind Madrid
    assert (moved.box_timezone, moved.status) == ("Atlantic/Canary", PrebookingStatus.PENDING)
    assert moved.qstash_message_id != row.qstash_message_id
    assert await prebookings.follow_box_timezone(user, box, services=services) == 0


async def test_a_new_delivery_that_cannot_be_planned_keeps_the_old_one(
        services: Services, fakebox_server: ServerThread) -> None:
    user = await connected_user(services, fakebox_server.url)
    row = await _pending(services, fakebox_server.url, user, 11)
    box = await accounts.update_box(user, box_id=DEMO_BOX_ID, timezone="Europe/London")
    nowhere = JobClient(AsyncQStash("token", retry=False,
                                    base_url=f"http://127.0.0.1:{free_port()}"),
                        public_url="http://127.0.0.1:1")
    offline = dataclasses.replace(services, jobs=nowhere)  # type: ignore[type-var]
    assert await prebookings.follow_box_timezone(user, box, services=offline) == 1
    moved = await Prebooking.get(id=row.id)
    assert moved.opens_at == row.opens_at + timedelta(hours=1)  # London is behind Madrid
    assert moved.qstash_message_id == row.qstash_message_id  # still comes, reads the new time
    assert moved.status is PrebookingStatus.PENDING
