"""One answer to AimHarder's `api/book` and what it means for the member."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from booking.opening import parse_booking_window

SAME_HOUR_CODE = "NOPUEDESRESERVAMISMAHORA"
RAW_LIMIT = 4000  # characters of an answer kept on the prebooking


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
    raw: str = ""  # the body as it came (cut at RAW_LIMIT characters), kept for the user
    html: bool = False  # an HTML page where JSON was expected

    @classmethod
    def parse(cls, status_code: int, body: bytes, *, sent_at_ns: int, received_at_ns: int,
              date_header: str | None, content_type: str | None) -> BookAnswer:
        text = body.decode("utf-8", errors="replace")
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        html = data is None and looks_like_html(content_type, text)
        return cls(status_code=status_code, payload=data if isinstance(data, dict) else None,
                   sent_at_ns=sent_at_ns, received_at_ns=received_at_ns,
                   date_header=date_header, raw=text[:RAW_LIMIT], html=html)

    @property
    def blocked(self) -> bool:
        """403, or an HTML page: AimHarder refused this server's network location."""
        return self.status_code == 403 or (self.html and self.status_code < 500)

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
        """`errorMssg` as plain text ("sometimes with HTML inside", AIMHARDER.md d)."""
        value = self.payload.get("errorMssg") if self.payload else None
        return strip_html(value) if isinstance(value, str) else None

    @property
    def logged_out(self) -> bool:
        value = self.payload.get("logout") if self.payload else None
        return value not in (None, 0, False, "0", "")

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


_TAGS = re.compile(r"<[^>]+>")


def looks_like_html(content_type: str | None, text: str) -> bool:
    """A body that is a page, not JSON: the geo-block's 403 page, or a login page."""
    return "html" in (content_type or "").lower() or text.lstrip().startswith("<")


def strip_html(text: str) -> str:
    """Plain text of a message that may carry HTML."""
    return re.sub(r"\s+", " ", html.unescape(_TAGS.sub(" ", text))).strip()


class Outcome(StrEnum):
    BOOKED = "BOOKED"  # bookState 1
    WAITLISTED = "WAITLISTED"  # bookState 0 (insist=1 on a full class)
    ALREADY_BOOKED = "ALREADY_BOOKED"  # -12 NOPUEDESRESERVAMISMAHORA: the member has it
    FULL = "FULL"  # -1: the class (and its waiting list) is full
    NO_CREDIT = "NO_CREDIT"  # -2: no classes left on the member's plan
    UNPAID = "UNPAID"  # -5: an outstanding payment
    TOO_LATE = "TOO_LATE"  # -7: booking has closed for this class
    MAX_BOOKINGS = "MAX_BOOKINGS"  # -8 (with "max"): too many bookings at once
    PLAN_LIMIT = "PLAN_LIMIT"  # -9, -12 HASSUPERADOLIMITCONTR: the plan's booking limit
    TOO_EARLY = "TOO_EARLY"  # -12 ERROR_ANTELACION_CLIENTE(_HORAS), -4: window not open yet
    BOX_RULE = "BOX_RULE"  # an errorMssg without bookState: one of the box's own rules
    LOGGED_OUT = "LOGGED_OUT"  # {"logout": 1}
    ACCESS_BLOCKED = "ACCESS_BLOCKED"  # HTTP 403 or an HTML page: this server's network refused
    UNKNOWN = "UNKNOWN"  # anything else, including 5xx and bodies that are not JSON
    CANCELLED_AT_BOX = "CANCELLED_AT_BOX"  # booked, then cancelled at the box (cancelBooking)


_BY_STATE = {
    1: Outcome.BOOKED,
    0: Outcome.WAITLISTED,
    -1: Outcome.FULL,
    -2: Outcome.NO_CREDIT,
    -4: Outcome.TOO_EARLY,
    -5: Outcome.UNPAID,
    -7: Outcome.TOO_LATE,
    -8: Outcome.MAX_BOOKINGS,
    -9: Outcome.PLAN_LIMIT,
}
_BY_CODE = {
    SAME_HOUR_CODE: Outcome.ALREADY_BOOKED,
    "HASSUPERADOLIMITCONTR": Outcome.PLAN_LIMIT,
    "ERROR_ANTELACION_CLIENTE": Outcome.TOO_EARLY,
    "ERROR_ANTELACION_CLIENTE_HORAS": Outcome.TOO_EARLY,
}
_SUCCESS = frozenset({Outcome.BOOKED, Outcome.WAITLISTED, Outcome.ALREADY_BOOKED})

def classify(answer: BookAnswer) -> Outcome:
    """Map one booking answer to its outcome (every bookState of AIMHARDER.md d)."""
    if answer.blocked:
        return Outcome.ACCESS_BLOCKED
    if answer.logged_out:
        return Outcome.LOGGED_OUT
    if answer.status_code >= 400 or answer.payload is None:
        return Outcome.UNKNOWN
    state = answer.book_state
    code = (answer.error_code or "").strip().upper()
    if state is None:
        # `errorMssg` alone: a rule of the box (max classes, tariff, penalty).
        return Outcome.BOX_RULE if answer.error_message else Outcome.UNKNOWN
    if state < 0 and code in _BY_CODE:
        return _BY_CODE[code]
    if state in _BY_STATE:
        return _BY_STATE[state]
    if state == -12:
        if parse_booking_window(code or None, answer.error_message) is not None:
            return Outcome.TOO_EARLY
        if code.startswith("ERROR_ANTELACION_CLIENTE"):
            return Outcome.TOO_EARLY
    return Outcome.UNKNOWN


def is_success(outcome: Outcome) -> bool:
    """The member has (or is queued for) the class: booked, waitlisted or already booked."""
    return outcome in _SUCCESS
