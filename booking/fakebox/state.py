"""The fake box's memory: users, tokens, class sessions, bookings and recorded requests.

Everything runs on one event loop and no method awaits, so each call is atomic.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from booking.fakebox.config import DEMO_EMAIL, DEMO_NAME, DEMO_PASSWORD, BoxSpec, FakeBoxConfig
from booking.opening import class_start, format_time_range

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DEMO_CLASS_NAMES = ("WOD", "Open Box", "Halterofilia", "Gymnastics", "Conditioning", "Team WOD")


def datetime_to_ns(instant: datetime) -> int:
    """Exact integer nanoseconds since the epoch (no float rounding)."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def ns_to_datetime(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1_000)


class DuplicateUser(ValueError):
    pass


@dataclass
class User:
    id: str
    email: str
    password: str = field(repr=False)
    name: str
    lang: str = "es"
    initial_credits: int | None = None  # None: unlimited
    max_bookings: int | None = None  # None: no limit
    credits: int | None = None

    def as_json(self, boxes: list[dict[str, str]]) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name, "boxes": boxes}


@dataclass
class ClassSession:
    id: str
    box: BoxSpec
    day: date
    start: dtime
    end: dtime
    name: str
    capacity: int
    opens_at_ns: int

    @property
    def time_range(self) -> str:
        return format_time_range(self.start, self.end)

    @property
    def opens_at(self) -> datetime:
        return ns_to_datetime(self.opens_at_ns)


@dataclass
class Booking:
    id: str
    user_id: str
    class_id: str
    waitlisted: bool
    seq: int  # order of arrival, for waitlist promotion


@dataclass(frozen=True)
class Token:
    user_id: str
    expires_at: float  # time.time()


@dataclass
class Fault:
    """Misbehaviour for the next `remaining` booking requests (see the control API)."""

    delay_ms: int = 0
    status: int | None = None  # answer this HTTP status with a non-JSON body
    logout: bool = False  # answer {"logout": 1}
    remaining: int = 1


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    received_at_ns: int
    form: dict[str, str]
    email: str | None
    answer: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "receivedAtNs": self.received_at_ns,
            "form": self.form,
            "email": self.email,
            "answer": self.answer,
        }


class FakeBoxState:
    def __init__(self, config: FakeBoxConfig) -> None:
        self.config = config
        self.boxes: dict[str, BoxSpec] = {box.subdomain: box for box in config.all_boxes()}
        self._box_index = {box.subdomain: i for i, box in enumerate(config.all_boxes(), 1)}
        self.users: dict[str, User] = {}  # by email (case-folded)
        self._users_by_id: dict[str, User] = {}
        self._access: dict[str, Token] = {}
        self._refresh: dict[str, Token] = {}
        self.classes: dict[str, ClassSession] = {}
        self._generated: set[tuple[str, date]] = set()
        self.bookings: dict[str, Booking] = {}
        self.requests: list[RecordedRequest] = []
        self.fault: Fault | None = None
        self._user_ids = itertools.count(1001)
        self._class_ids = itertools.count(500_000_001)
        self._booking_ids = itertools.count(106_000_001)
        self._seq = itertools.count()
        if config.demo:
            self.add_user(DEMO_EMAIL, DEMO_PASSWORD, name=DEMO_NAME)

    # users and tokens

    def add_user(
        self,
        email: str,
        password: str,
        *,
        name: str | None = None,
        lang: str = "es",
        credits: int | None = None,
        max_bookings: int | None = None,
    ) -> User:
        key = email.strip().casefold()
        if key in self.users:
            raise DuplicateUser(f"user {email!r} already exists")
        user = User(
            id=str(next(self._user_ids)),
            email=email.strip(),
            password=password,
            name=name or email.split("@")[0],
            lang=lang,
            initial_credits=credits,
            max_bookings=max_bookings,
            credits=credits,
        )
        self.users[key] = user
        self._users_by_id[user.id] = user
        return user

    def user_by_id(self, user_id: str) -> User:
        return self._users_by_id[user_id]

    def check_password(self, email: str, password: str) -> User | None:
        user = self.users.get(email.strip().casefold())
        if user is None or not secrets.compare_digest(user.password.encode(), password.encode()):
            return None
        return user

    def issue_tokens(self, user: User, refresh_token: str | None = None) -> tuple[str, str]:
        """A new access token; a new refresh token unless an existing one is being used."""
        now = time.time()
        token = secrets.token_urlsafe(24)
        self._access[token] = Token(user.id, now + self.config.token_ttl)
        if refresh_token is None:
            refresh_token = secrets.token_urlsafe(32)
            self._refresh[refresh_token] = Token(user.id, now + self.config.refresh_ttl)
        return token, refresh_token

    def user_for_token(self, token: str | None) -> User | None:
        entry = self._access.get(token) if token else None
        if entry is None or entry.expires_at <= time.time():
            return None
        return self._users_by_id.get(entry.user_id)

    def user_for_refresh(self, refresh_token: str | None) -> User | None:
        entry = self._refresh.get(refresh_token) if refresh_token else None
        if entry is None or entry.expires_at <= time.time():
            return None
        return self._users_by_id.get(entry.user_id)

    def boxes_json(self) -> list[dict[str, str]]:
        return [box.as_json() for box in self.boxes.values()]

    # classes

    def _generate_day(self, box: BoxSpec, day: date) -> None:
        if not box.hourly_classes or (box.subdomain, day) in self._generated:
            return
        self._generated.add((box.subdomain, day))
        index = self._box_index[box.subdomain]
        for hour in range(24):
            start = dtime(hour)
            end = dtime((hour + 1) % 24)
            session_id = f"{day:%Y%m%d}{hour:02d}{index}"
            self._store_class(box, session_id, day, start, end, _DEMO_CLASS_NAMES[hour % 6])

    def _store_class(
        self,
        box: BoxSpec,
        session_id: str,
        day: date,
        start: dtime,
        end: dtime,
        name: str,
        capacity: int | None = None,
        opens_at: datetime | None = None,
    ) -> ClassSession:
        if opens_at is None:
            wall = class_start(day, format_time_range(start, end))
            opens_at = box.window.opening_for(wall, box.timezone)
        session = ClassSession(
            id=session_id,
            box=box,
            day=day,
            start=start,
            end=end,
            name=name,
            capacity=self.config.capacity if capacity is None else capacity,
            opens_at_ns=datetime_to_ns(opens_at),
        )
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
        capacity: int | None = None,
        opens_at: datetime | None = None,
    ) -> ClassSession:
        session_id = str(next(self._class_ids))
        return self._store_class(box, session_id, day, start, end, name, capacity, opens_at)

    def classes_on(self, box: BoxSpec, day: date) -> list[ClassSession]:
        self._generate_day(box, day)
        found = [c for c in self.classes.values() if c.box is box and c.day == day]
        return sorted(found, key=lambda c: (c.start, c.id))

    def find_class(self, box: BoxSpec, session_id: str, day: date | None) -> ClassSession | None:
        if day is not None:
            self._generate_day(box, day)
        session = self.classes.get(session_id)
        if session is None or session.box is not box or (day is not None and session.day != day):
            return None
        return session

    # bookings

    def bookings_of_class(self, session: ClassSession) -> Iterator[Booking]:
        return (b for b in self.bookings.values() if b.class_id == session.id)

    def occupancy(self, session: ClassSession) -> tuple[int, int]:
        """(booked, waitlisted) for a class."""
        booked = waiting = 0
        for booking in self.bookings_of_class(session):
            if booking.waitlisted:
                waiting += 1
            else:
                booked += 1
        return booked, waiting

    def booking_of(self, user: User, session: ClassSession) -> Booking | None:
        for booking in self.bookings_of_class(session):
            if booking.user_id == user.id:
                return booking
        return None

    def add_booking(self, user: User, session: ClassSession, *, waitlisted: bool) -> Booking:
        booking = Booking(
            id=str(next(self._booking_ids)),
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

    def reset(self) -> None:
        """Forget bookings, recorded requests and faults; users, classes and tokens stay."""
        self.bookings.clear()
        self.requests.clear()
        self.fault = None
        for user in self._users_by_id.values():
            user.credits = user.initial_credits
