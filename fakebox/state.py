"""The fake box's memory: class sessions, bookings, recorded requests, faults, geo-blocking.

Everything runs on one event loop and no method awaits, so each call is atomic.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

from fakebox.accounts import Accounts, Clock, User
from fakebox.config import DEMO_EMAIL, DEMO_NAME, DEMO_PASSWORD, BoxSpec, FakeBoxConfig
from fakebox.window import local_instant, to_ns
from fakebox.wire import header_dump, masked

DEMO_CLASS_NAMES = ("WOD", "Open Box", "Halterofilia", "Gymnastics", "Conditioning", "Team WOD")
DEFAULT_FAMILY = "1"


@dataclass
class ClassSession:
    """One class on one day. `others` counts places taken by people the fake does not model."""

    id: int
    box: BoxSpec
    day: date
    start: dtime
    end: dtime
    name: str
    family_id: str
    capacity: int
    others: int
    initial_others: int
    opens_at_ns: int
    starts_at_ns: int
    closes_at_ns: int  # bookState -7 from this instant on

    @property
    def minutes(self) -> int:
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) % 1440 or 1440


@dataclass
class Booking:
    id: int
    user_id: int
    class_id: int
    waitlisted: bool
    seq: int  # order of arrival, for waitlist promotion


@dataclass
class Fault:
    """Misbehaviour for the next `remaining` booking requests (see the control API)."""

    delay_ms: int = 0
    status: int | None = None  # answer this HTTP status with a non-JSON body
    logout: bool = False  # answer {"logout": 1}
    remaining: int = 1


@dataclass(frozen=True)
class RecordedRequest:
    """One AimHarder request, kept as it came; `/_fake/requests` shows it with its secrets
    masked. Masking at read time keeps the request path short: the box stamps arrivals on
    the same loop that runs the handlers, so a slow handler would delay the next stamp."""

    path: str
    received_at_ns: int
    body_kind: str  # "form", "json" or "query"
    body: dict[str, Any]
    email: str | None
    answer: dict[str, Any]
    headers: list[tuple[bytes, bytes]]  # the ASGI scope's, as received

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "receivedAtNs": self.received_at_ns,
            self.body_kind: masked(self.body),
            "email": self.email,
            "answer": masked(self.answer),
            "headers": header_dump(self.headers),
        }


FREEZE_EVERY = 256  # recorded requests between two gc.freeze() calls


class BookingIndex(dict[int, Booking]):
    """Bookings by id, also by class and by member. Every book looks up both; a benchmark
    books thousands, and a scan per lookup would slow the box, not the client it measures."""

    def __init__(self) -> None:
        super().__init__()
        self.by_class: dict[int, dict[int, Booking]] = defaultdict(dict)
        self.by_user: dict[int, dict[int, Booking]] = defaultdict(dict)

    def __setitem__(self, key: int, value: Booking) -> None:
        super().__setitem__(key, value)
        self.by_class[value.class_id][key] = value
        self.by_user[value.user_id][key] = value

    def __delitem__(self, key: int) -> None:
        value = self[key]
        super().__delitem__(key)
        self.by_class[value.class_id].pop(key, None)
        self.by_user[value.user_id].pop(key, None)

    def clear(self) -> None:
        super().clear()
        self.by_class.clear()
        self.by_user.clear()

    def of_user(self, user_id: int) -> list[Booking]:
        return list(self.by_user.get(user_id, {}).values())


class FakeBoxState:
    def __init__(self, config: FakeBoxConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or time.time_ns
        boxes = config.all_boxes()
        self.boxes: dict[str, BoxSpec] = {box.subdomain: box for box in boxes}
        self._box_index = {box.subdomain: i for i, box in enumerate(boxes, 1)}
        self.accounts = Accounts(
            boxes, self.clock, token_ttl=config.token_ttl, refresh_ttl=config.refresh_ttl
        )
        self.classes: dict[int, ClassSession] = {}
        self._generated: set[tuple[str, date]] = set()
        self.class_types: dict[str, int] = {name: i for i, name in enumerate(DEMO_CLASS_NAMES, 1)}
        self.bookings = BookingIndex()
        self.requests: list[RecordedRequest] = []
        self.fault: Fault | None = None
        self.geo_blocked = False
        self._class_ids = itertools.count(500_000_001)
        self._booking_ids = itertools.count(106_000_001)
        self._seq = itertools.count()
        if config.demo:
            self.accounts.add_user(DEMO_EMAIL, DEMO_PASSWORD, name=DEMO_NAME)

    # classes

    def _generate_day(self, box: BoxSpec, day: date) -> None:
        if not box.hourly_classes or (box.subdomain, day) in self._generated:
            return
        self._generated.add((box.subdomain, day))
        index = self._box_index[box.subdomain]
        for hour in range(24):
            session_id = int(f"{day:%Y%m%d}{hour:02d}{index}")
            name = DEMO_CLASS_NAMES[hour % len(DEMO_CLASS_NAMES)]
            self._store_class(session_id, box, day, dtime(hour), dtime((hour + 1) % 24), name)

    def _store_class(
        self,
        session_id: int,
        box: BoxSpec,
        day: date,
        start: dtime,
        end: dtime,
        name: str,
        *,
        family_id: str = DEFAULT_FAMILY,
        capacity: int | None = None,
        others: int = 0,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
    ) -> ClassSession:
        starts_at = local_instant(day, start, box.timezone)
        if opens_at is None:
            opens_at = box.window.opening(day, start, box.timezone)
        session = ClassSession(
            id=session_id,
            box=box,
            day=day,
            start=start,
            end=end,
            name=name,
            family_id=family_id,
            capacity=self.config.capacity if capacity is None else capacity,
            others=others,
            initial_others=others,
            opens_at_ns=to_ns(opens_at),
            starts_at_ns=to_ns(starts_at),
            closes_at_ns=to_ns(starts_at if closes_at is None else closes_at),
        )
        self.class_types.setdefault(name, len(self.class_types) + 1)
        self.classes[session_id] = session
        return session

    def add_class(
        self,
        box: BoxSpec,
        day: date,
        start: dtime,
        end: dtime,
        *,
        name: str = "WOD",
        family_id: str = DEFAULT_FAMILY,
        capacity: int | None = None,
        others: int = 0,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
    ) -> ClassSession:
        return self._store_class(
            next(self._class_ids),
            box,
            day,
            start,
            end,
            name,
            family_id=family_id,
            capacity=capacity,
            others=others,
            opens_at=opens_at,
            closes_at=closes_at,
        )

    def classes_on(self, box: BoxSpec, day: date) -> list[ClassSession]:
        self._generate_day(box, day)
        found = [c for c in self.classes.values() if c.box is box and c.day == day]
        return sorted(found, key=lambda c: (c.start, c.id))

    def find_class(self, box: BoxSpec, raw_id: str, day: date | None) -> ClassSession | None:
        """The class a `book` form names; with `day`, it must be on that day."""
        if day is not None:
            self._generate_day(box, day)
        session = self.classes.get(int(raw_id)) if raw_id.isdigit() else None
        if session is None or session.box is not box or (day is not None and session.day != day):
            return None
        return session

    def class_by_id(self, raw_id: str) -> ClassSession | None:
        return self.classes.get(int(raw_id)) if raw_id.isdigit() else None

    # bookings

    def bookings_of_class(self, session: ClassSession) -> Iterator[Booking]:
        return iter(list(self.bookings.by_class.get(session.id, {}).values()))

    def taken(self, session: ClassSession) -> int:
        """Places taken: others' plus members' (waiting members hold none)."""
        members = sum(1 for b in self.bookings_of_class(session) if not b.waitlisted)
        return session.others + members

    def waiting(self, session: ClassSession) -> list[Booking]:
        """Members on the waitlist, first come first."""
        queue = [b for b in self.bookings_of_class(session) if b.waitlisted]
        return sorted(queue, key=lambda b: b.seq)

    def booking_of(self, user: User, session: ClassSession) -> Booking | None:
        for booking in self.bookings_of_class(session):
            if booking.user_id == user.id:
                return booking
        return None

    def add_booking(self, user: User, session: ClassSession, *, waitlisted: bool) -> Booking:
        booking = Booking(
            id=next(self._booking_ids),
            user_id=user.id,
            class_id=session.id,
            waitlisted=waitlisted,
            seq=next(self._seq),
        )
        self.bookings[booking.id] = booking
        return booking

    def take_fault(self) -> Fault | None:
        """The fault for this booking request, if any, counting it down."""
        fault = self.fault
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            self.fault = None
        return fault

    def record(self, entry: RecordedRequest) -> None:
        self.requests.append(entry)
        if self.config.freeze_log and len(self.requests) % FREEZE_EVERY == 0:
            # The log only grows: keep it out of the collector's full passes, which otherwise
            # lengthen with every request kept and land in the middle of a burst of bookings.
            gc.freeze()

    def reset(self) -> None:
        """Forget bookings, recorded requests, faults and geo-blocking; restore credits.

        Members, classes and sessions stay; places taken by others return to what the class
        was created with.
        """
        self.bookings.clear()
        self.requests.clear()
        self.fault = None
        self.geo_blocked = False
        for session in self.classes.values():
            session.others = session.initial_others
        self.accounts.restore_credits()
