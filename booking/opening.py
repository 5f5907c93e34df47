"""When a class's booking window opens, and what AimHarder's "too early" answer says about it.

AimHarder boxes open bookings "N days" or "N hours" before a class starts. Days are counted on
the box's wall clock (a 10:00 class opens at 10:00 local N calendar days earlier, whatever DST
did in between); hours are elapsed time before the class's start instant.

Local times that do not exist (spring gap) or exist twice (autumn overlap) are resolved with
`fold=0`, which is what PHP's DateTime (AimHarder's stack) does too: a time inside the gap is
read with the offset in force before the change (02:30 on the spring-forward night in
Europe/Madrid is 03:30 CEST) and an ambiguous time is its first occurrence (the summer one).
The first occurrence is also the safe side for firing: early only costs a "too early" retry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

TOO_EARLY_DAYS_CODE = "ERROR_ANTELACION_CLIENTE"
TOO_EARLY_HOURS_CODE = "ERROR_ANTELACION_CLIENTE_HORAS"


class WindowUnit(StrEnum):
    DAYS = "days"
    HOURS = "hours"


@dataclass(frozen=True)
class BookingWindow:
    """How long before a class its booking opens: `amount` days or hours."""

    amount: int
    unit: WindowUnit

    @property
    def delta(self) -> timedelta:
        if self.unit is WindowUnit.DAYS:
            return timedelta(days=self.amount)
        return timedelta(hours=self.amount)

    def opening_for(self, class_start: datetime, tz: str) -> datetime:
        return opening_instant(class_start, tz, self.delta, self.unit)


# Number words the box might write instead of digits ("un día", "una hora", "one day").
_NUMBER_WORDS = {"un": 1, "una": 1, "one": 1, "a": 1, "an": 1}
_DAY_WORDS = r"dias?|dies|days?"
_HOUR_WORDS = r"horas?|hores|hours?"
_AMOUNT_AND_UNIT = re.compile(
    rf"\b(?P<amount>\d+|un|una|one|an?)\s+(?P<unit>{_DAY_WORDS}|{_HOUR_WORDS})\b"
)
_HOUR_UNIT = re.compile(rf"^(?:{_HOUR_WORDS})$")
_BARE_NUMBER = re.compile(r"\b(\d+)\b")


def _normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def _unit_from_code(code: str | None) -> WindowUnit | None:
    if not code:
        return None
    upper = code.strip().upper()
    if not upper.startswith(TOO_EARLY_DAYS_CODE):
        return None
    return WindowUnit.HOURS if upper.endswith("_HORAS") else WindowUnit.DAYS


def parse_booking_window(code: str | None, message: str | None) -> BookingWindow | None:
    """Read the window from a `bookState -12` answer (`errorMssgLang`, `errorMssg`).

    Understands the Spanish, Catalan and English sentences, with or without accents, in any
    case. The code decides the unit when it is one of the "too early" codes; otherwise the
    unit word in the text does. A code that is not a "too early" code (for example
    `NOPUEDESRESERVAMISMAHORA`), or a text without a usable amount, gives None.
    """
    if code and _unit_from_code(code) is None:
        return None
    code_unit = _unit_from_code(code)
    text = _normalize(message or "")
    match = _AMOUNT_AND_UNIT.search(text)
    if match is not None:
        raw = match.group("amount")
        amount = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        text_unit = WindowUnit.HOURS if _HOUR_UNIT.match(match.group("unit")) else WindowUnit.DAYS
        unit = code_unit or text_unit
    elif code_unit is not None:
        bare = _BARE_NUMBER.search(text)
        if bare is None:
            return None
        amount, unit = int(bare.group(1)), code_unit
    else:
        return None
    if amount <= 0:
        return None
    return BookingWindow(amount, unit)


def parse_window(code: str | None, message: str | None) -> timedelta | None:
    """The window as a duration (see `parse_booking_window`, which also tells the unit)."""
    window = parse_booking_window(code, message)
    return window.delta if window is not None else None


def localize(wall: datetime, tz: str) -> datetime:
    """Attach the zone to a naive wall-clock time (fold=0, see the module docstring)."""
    if wall.tzinfo is not None:
        raise ValueError("expected a naive wall-clock datetime")
    return wall.replace(tzinfo=ZoneInfo(tz), fold=0)


def to_utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def opening_instant(
    class_start: datetime, tz: str, window: timedelta, unit: WindowUnit | str
) -> datetime:
    """The aware UTC instant a class's booking window opens.

    `class_start` is the box-local wall-clock start (naive). Days: the same wall-clock time
    `window.days` calendar days earlier, localized in `tz`. Hours: `window` of elapsed time
    before the start instant.
    """
    unit = WindowUnit(unit)
    if window < timedelta(0):
        raise ValueError("a booking window cannot be negative")
    if unit is WindowUnit.DAYS:
        # Naive arithmetic moves along the wall clock, which is what "N days before" means.
        return to_utc(localize(class_start - window, tz))
    return to_utc(localize(class_start, tz)) - window


_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_time_range(time_range: str) -> tuple[time, time]:
    """`"HH:MM-HH:MM"` (spaces around the dash allowed, as in AimHarder's `time`) → times."""
    match = _TIME_RANGE.match(time_range or "")
    if match is None:
        raise ValueError(f"invalid class time {time_range!r}: expected 'HH:MM-HH:MM'")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(
            f"invalid class time {time_range!r}: hour or minute out of range"
        ) from None


def class_start(day: date, time_range: str) -> datetime:
    """The naive box-local start of a class on `day` given its `"HH:MM-HH:MM"` time."""
    start, _ = parse_time_range(time_range)
    return datetime.combine(day, start)


def format_time_range(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"
