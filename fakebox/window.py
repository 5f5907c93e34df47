"""Booking windows and class times, as the fake box computes them.

A box opens a class "N days" or "N hours" before it starts. Days are counted on the box's
wall clock (a 10:00 class opens at 10:00 local time N calendar days earlier, whatever DST
did in between); hours are elapsed time before the start instant. Whether AimHarder's
"N días" means calendar days or N x 24 h is unverified (AIMHARDER.md f); the fake picks
calendar days, as the bots that model it do.

Local times that do not exist (spring gap) or exist twice (autumn overlap) resolve with
`fold=0`, as PHP's DateTime does. This module is the fake's own arithmetic on purpose: a test
double that borrowed the client's would mirror any mistake in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

WindowUnit = Literal["days", "hours"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Window:
    """How long before a class its booking opens: `amount` days or hours."""

    amount: int
    unit: WindowUnit = "days"

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError("a booking window must be positive")
        if self.unit not in ("days", "hours"):
            raise ValueError(f"unknown window unit {self.unit!r}")

    def opening(self, day: date, start: time, tz: str) -> datetime:
        """The UTC instant a class starting at `start` on `day` (box-local) opens."""
        if self.unit == "days":
            return local_instant(day - timedelta(days=self.amount), start, tz)
        return local_instant(day, start, tz) - timedelta(hours=self.amount)


def local_instant(day: date, at: time, tz: str) -> datetime:
    """A box-local wall-clock time as an aware UTC instant (fold=0)."""
    wall = datetime.combine(day, at).replace(tzinfo=ZoneInfo(tz), fold=0)
    return wall.astimezone(UTC)


def parse_time_range(text: str) -> tuple[time, time]:
    """`"HH:MM-HH:MM"` (spaces around the dash allowed) to (start, end)."""
    match = _TIME_RANGE.match(text or "")
    if match is None:
        raise ValueError(f"invalid class time {text!r}: expected 'HH:MM-HH:MM'")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"invalid class time {text!r}: hours 0-23, minutes 0-59") from None


def to_ns(instant: datetime) -> int:
    """Exact integer nanoseconds since the epoch (no float rounding)."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def from_ns(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1_000)
