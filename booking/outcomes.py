"""One answer to AimHarder's `api/book` and what it means for the member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from booking.opening import parse_booking_window

SAME_HOUR_CODE = "NOPUEDESRESERVAMISMAHORA"


def as_int(value: Any) -> int | None:
    """AimHarder sends numbers as ints or strings; anything else is None."""
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class BookAnswer:
    """One answer to `api/book`, with the figures the firing engine records."""

    status_code: int
    payload: dict[str, Any] | None  # parsed JSON object, None if the body was not one
    sent_at_ns: int  # time.time_ns() immediately before the send
    received_at_ns: int  # time.time_ns() once the answer was read
    date_header: str | None  # the box's HTTP Date header, as sent

    @property
    def book_state(self) -> int | None:
        return as_int(self.payload.get("bookState")) if self.payload else None

    @property
    def booking_id(self) -> str | None:
        value = self.payload.get("id") if self.payload else None
        return None if value in (None, "") else str(value)

    @property
    def error_code(self) -> str | None:
        value = self.payload.get("errorMssgLang") if self.payload else None
        return value if isinstance(value, str) else None

    @property
    def error_message(self) -> str | None:
        value = self.payload.get("errorMssg") if self.payload else None
        return value if isinstance(value, str) else None

    @property
    def logged_out(self) -> bool:
        return self.payload is not None and as_int(self.payload.get("logout")) == 1

    @property
    def server_date(self) -> datetime | None:
        if not self.date_header:
            return None
        try:
            return parsedate_to_datetime(self.date_header)
        except (TypeError, ValueError):
            return None

    @property
    def round_trip_ms(self) -> float:
        return (self.received_at_ns - self.sent_at_ns) / 1e6


class Outcome(StrEnum):
    BOOKED = "BOOKED"  # bookState 1
    WAITLISTED = "WAITLISTED"  # bookState 0 (insist=1 on a full class)
    ALREADY_BOOKED = "ALREADY_BOOKED"  # -12 NOPUEDESRESERVAMISMAHORA: the member has it
    FULL = "FULL"  # -1
    NO_CREDIT = "NO_CREDIT"  # -2
    MAX_BOOKINGS = "MAX_BOOKINGS"  # -8
    TOO_EARLY = "TOO_EARLY"  # -12 ERROR_ANTELACION_CLIENTE(_HORAS): window not open yet
    LOGGED_OUT = "LOGGED_OUT"  # {"logout": 1}
    UNKNOWN = "UNKNOWN"  # anything else, including HTTP errors and non-JSON bodies


_BY_STATE = {
    1: Outcome.BOOKED,
    0: Outcome.WAITLISTED,
    -1: Outcome.FULL,
    -2: Outcome.NO_CREDIT,
    -8: Outcome.MAX_BOOKINGS,
}
_SUCCESS = frozenset({Outcome.BOOKED, Outcome.WAITLISTED, Outcome.ALREADY_BOOKED})
# Worth another try: the window may open a moment later, a session can be renewed, and an
# unexplained answer (5xx, garbage) may be transient.
_RETRYABLE = frozenset({Outcome.TOO_EARLY, Outcome.LOGGED_OUT, Outcome.UNKNOWN})


def classify(answer: BookAnswer) -> Outcome:
    """Map one booking answer to its outcome."""
    if answer.logged_out:
        return Outcome.LOGGED_OUT
    if answer.status_code >= 400 or answer.payload is None:
        return Outcome.UNKNOWN
    state = answer.book_state
    if state is None:
        return Outcome.UNKNOWN
    if state in _BY_STATE:
        return _BY_STATE[state]
    if state == -12:
        code = (answer.error_code or "").strip().upper()
        if code == SAME_HOUR_CODE:
            return Outcome.ALREADY_BOOKED
        if parse_booking_window(code or None, answer.error_message) is not None:
            return Outcome.TOO_EARLY
        if code.startswith("ERROR_ANTELACION_CLIENTE"):
            return Outcome.TOO_EARLY
    return Outcome.UNKNOWN


def is_success(outcome: Outcome) -> bool:
    """The member has (or is queued for) the class: booked, waitlisted or already booked."""
    return outcome in _SUCCESS


def is_terminal(outcome: Outcome) -> bool:
    """No point in sending the same request again: everything but too early, logged out and
    unknown."""
    return outcome not in _RETRYABLE
