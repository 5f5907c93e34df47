from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.aimharder import BookAnswer
from booking.opening import BookingWindow, WindowUnit
from booking.outcomes import Outcome, classify, is_success
from fakebox import texts


def answer(payload: dict[str, Any] | None, status: int = 200) -> BookAnswer:
    return BookAnswer(
        status_code=status,
        payload=payload,
        sent_at_ns=1_000,
        received_at_ns=2_000_000,
        date_header="Mon, 30 Mar 2026 08:00:00 GMT",
    )


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"bookState": 1, "id": "106015104"}, Outcome.BOOKED),
        ({"bookState": "1", "id": "106015104"}, Outcome.BOOKED),
        ({"bookState": 0, "id": "106015105"}, Outcome.WAITLISTED),
        ({"bookState": -1}, Outcome.FULL),
        ({"bookState": -2}, Outcome.NO_CREDIT),
        ({"bookState": -8, "max": 2}, Outcome.MAX_BOOKINGS),
        (
            {
                "bookState": -12,
                "errorMssg": "No puedes hacer más de una reserva a la misma hora",
                "errorMssgLang": "NOPUEDESRESERVAMISMAHORA",
            },
            Outcome.ALREADY_BOOKED,
        ),
        (
            {
                "bookState": -12,
                "errorMssg": "No puedes reservar clases con más de 4 días de antelación",
                "errorMssgLang": "ERROR_ANTELACION_CLIENTE",
            },
            Outcome.TOO_EARLY,
        ),
        (
            {"bookState": -12, "errorMssgLang": "ERROR_ANTELACION_CLIENTE_HORAS"},
            Outcome.TOO_EARLY,
        ),
        (
            {"bookState": -12, "errorMssg": "You can't book classes with more than 2 days of x"},
            Outcome.TOO_EARLY,
        ),
        ({"bookState": -12, "errorMssg": "Algo raro", "errorMssgLang": "OTRA"}, Outcome.UNKNOWN),
        ({"bookState": -5}, Outcome.UNPAID),
        ({"bookState": -77}, Outcome.UNKNOWN),
        ({"logout": 1}, Outcome.LOGGED_OUT),
        ({}, Outcome.UNKNOWN),
        ({"bookState": None}, Outcome.UNKNOWN),
        (None, Outcome.UNKNOWN),
    ],
)
def test_classify(payload: dict[str, Any] | None, expected: Outcome) -> None:
    assert classify(answer(payload)) is expected


def test_http_errors_are_unknown() -> None:
    assert classify(answer({"bookState": 1}, status=500)) is Outcome.UNKNOWN
    assert classify(answer({"bookState": 1}, status=404)) is Outcome.UNKNOWN


@given(
    lang=st.sampled_from(texts.LANGUAGES),
    unit=st.sampled_from(list(WindowUnit)),
    amount=st.integers(min_value=1, max_value=200),
)
def test_the_fake_boxs_too_early_answers_classify(lang: str, unit: WindowUnit, amount: int) -> None:
    message, code = texts.too_early(lang, BookingWindow(amount, unit))
    payload = {"bookState": -12, "errorMssg": message, "errorMssgLang": code}
    assert classify(answer(payload)) is Outcome.TOO_EARLY


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_the_fake_boxs_same_hour_answers_classify(lang: str) -> None:
    message, code = texts.same_hour(lang)
    payload = {"bookState": -12, "errorMssg": message, "errorMssgLang": code}
    assert classify(answer(payload)) is Outcome.ALREADY_BOOKED


def test_success_and_terminal_sets() -> None:
    assert {o for o in Outcome if is_success(o)} == {
        Outcome.BOOKED,
        Outcome.WAITLISTED,
        Outcome.ALREADY_BOOKED,
    }


def test_answer_properties() -> None:
    booked = answer({"bookState": 1, "id": 106015104})
    assert booked.book_state == 1
    assert booked.booking_id == "106015104"
    assert booked.server_date is not None and booked.server_date.year == 2026
    assert booked.round_trip_ms == pytest.approx(1.999)
    assert not booked.logged_out
    assert answer(None).book_state is None and answer(None).booking_id is None
    assert answer({"logout": 1}).logged_out
