from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking.opening import (
    TOO_EARLY_DAYS_CODE,
    TOO_EARLY_HOURS_CODE,
    BookingWindow,
    WindowUnit,
    class_start,
    opening_instant,
    parse_booking_window,
    parse_time_range,
    parse_window,
)
from fakebox import texts

MADRID = "Europe/Madrid"


# parse_window


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (TOO_EARLY_DAYS_CODE, "No puedes reservar clases con más de 4 días de antelación", 4),
        (TOO_EARLY_DAYS_CODE, "No pots reservar classes amb més de 4 dies d'antelació", 4),
        (TOO_EARLY_DAYS_CODE, "You can't book classes with more than 4 days of anticipation", 4),
        (None, "No puedes reservar clases con más de 2 dias de antelacion", 2),
        (None, "NO PUEDES RESERVAR CLASES CON MÁS DE 7 DÍAS DE ANTELACIÓN", 7),
        (None, "No puedes reservar clases con más de 1 día de antelación", 1),
        (None, "No pots reservar classes amb més de 1 dia d'antelació", 1),
        (None, "You can't book classes with more than 1 day of anticipation", 1),
        (None, "No puedes reservar clases con más de un día de antelación", 1),
    ],
)
def test_days_in_every_language(code: str | None, message: str, expected: int) -> None:
    assert parse_window(code, message) == timedelta(days=expected)
    assert parse_booking_window(code, message) == BookingWindow(expected, WindowUnit.DAYS)


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (TOO_EARLY_HOURS_CODE, "No puedes reservar clases con más de 48 horas de antelación", 48),
        (TOO_EARLY_HOURS_CODE, "No pots reservar classes amb més de 12 hores d'antelació", 12),
        (TOO_EARLY_HOURS_CODE, "You can't book classes with more than 6 hours of anticipation", 6),
        (None, "No puedes reservar clases con más de 1 hora de antelación", 1),
        (None, "You can't book classes with more than 1 hour of anticipation", 1),
        (None, "no pots reservar classes amb mes de 24 hores d'antelacio", 24),
    ],
)
def test_hours_in_every_language(code: str | None, message: str, expected: int) -> None:
    assert parse_window(code, message) == timedelta(hours=expected)
    assert parse_booking_window(code, message) == BookingWindow(expected, WindowUnit.HOURS)


def test_the_code_decides_the_unit() -> None:
    text = "No puedes reservar clases con más de 4 días de antelación"
    assert parse_window(TOO_EARLY_HOURS_CODE, text) == timedelta(hours=4)
    assert parse_window(TOO_EARLY_DAYS_CODE, "con más de 3 horas") == timedelta(days=3)
    # With the code, a number alone is enough.
    assert parse_window(TOO_EARLY_DAYS_CODE, "Máximo 5 de antelación") == timedelta(days=5)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (None, None),
        (None, ""),
        (TOO_EARLY_DAYS_CODE, None),
        (TOO_EARLY_DAYS_CODE, "No puedes reservar todavía"),
        (None, "No puedes reservar clases con más de muchos días de antelación"),
        (None, "No puedes reservar clases con más de 0 días de antelación"),
        (None, "Clase completa: 4 plazas"),
        ("NOPUEDESRESERVAMISMAHORA", "No puedes hacer más de una reserva a la misma hora"),
        ("NOPUEDESRESERVAMISMAHORA", "con más de 4 días de antelación"),
    ],
)
def test_malformed_or_unrelated_texts_give_none(code: str | None, message: str | None) -> None:
    assert parse_window(code, message) is None


@given(
    lang=st.sampled_from(texts.LANGUAGES),
    unit=st.sampled_from(list(WindowUnit)),
    amount=st.integers(min_value=1, max_value=999),
    with_code=st.booleans(),
)
def test_the_fake_boxs_own_texts_parse_back(
    lang: str, unit: WindowUnit, amount: int, with_code: bool
) -> None:
    window = BookingWindow(amount, unit)
    message, code = texts.too_early(lang, window)
    assert parse_booking_window(code if with_code else None, message) == window


@given(code=st.one_of(st.none(), st.text(max_size=40)), message=st.one_of(st.none(), st.text()))
def test_parsing_never_raises(code: str | None, message: str | None) -> None:
    result = parse_window(code, message)
    assert result is None or result > timedelta(0)


# opening_instant


def test_days_keep_the_wall_clock_across_the_spring_change() -> None:
    # Clocks went forward on Sunday 2026-03-29 in Madrid: +01:00 before, +02:00 after.
    start = datetime(2026, 3, 30, 10, 0)  # Monday after the change
    opens = opening_instant(start, MADRID, timedelta(days=4), WindowUnit.DAYS)
    assert opens == datetime(2026, 3, 26, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert opens.astimezone(ZoneInfo(MADRID)).hour == 10
    # Elapsed hours across the change are one hour shorter than 4 x 24.
    start_utc = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert start_utc - opens == timedelta(hours=95)


def test_days_keep_the_wall_clock_across_the_autumn_change() -> None:
    # Clocks went back on Sunday 2026-10-25 in Madrid: +02:00 before, +01:00 after.
    start = datetime(2026, 10, 27, 18, 30)
    opens = opening_instant(start, MADRID, timedelta(days=4), WindowUnit.DAYS)
    assert opens == datetime(2026, 10, 23, 16, 30, tzinfo=UTC)  # 18:30 CEST
    assert datetime(2026, 10, 27, 17, 30, tzinfo=UTC) - opens == timedelta(hours=97)


def test_hours_are_elapsed_time_across_the_change() -> None:
    start = datetime(2026, 3, 30, 10, 0)  # 08:00 UTC
    opens = opening_instant(start, MADRID, timedelta(hours=48), WindowUnit.HOURS)
    assert opens == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 CET on the wall clock
    assert opens.astimezone(ZoneInfo(MADRID)).hour == 9


def test_a_time_in_the_spring_gap_reads_with_the_offset_before_the_change() -> None:
    # 02:30 does not exist on 2026-03-29 in Madrid; fold=0 reads it as 02:30 +01:00.
    start = datetime(2026, 4, 2, 2, 30)
    opens = opening_instant(start, MADRID, timedelta(days=4), WindowUnit.DAYS)
    assert opens == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # = 03:30 CEST


def test_an_ambiguous_time_is_its_first_occurrence() -> None:
    # 02:30 happens twice on 2026-10-25 in Madrid; the first one is 02:30 +02:00.
    start = datetime(2026, 10, 29, 2, 30)
    opens = opening_instant(start, MADRID, timedelta(days=4), WindowUnit.DAYS)
    assert opens == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_unit_as_string_and_other_zones() -> None:
    start = datetime(2026, 1, 15, 7, 0)
    opens = opening_instant(start, "America/New_York", timedelta(days=1), "days")
    assert opens == datetime(2026, 1, 14, 12, 0, tzinfo=UTC)


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError):
        opening_instant(datetime(2026, 1, 1, tzinfo=UTC), MADRID, timedelta(days=1), "days")
    with pytest.raises(ValueError):
        opening_instant(datetime(2026, 1, 1), MADRID, timedelta(days=-1), "days")
    with pytest.raises(ValueError):
        opening_instant(datetime(2026, 1, 1), MADRID, timedelta(days=1), "weeks")


_local_starts = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31))


def _exists(wall: datetime, tz: str) -> bool:
    aware = wall.replace(tzinfo=ZoneInfo(tz))
    return aware.astimezone(UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None) == wall


@given(start=_local_starts, days=st.integers(min_value=0, max_value=30))
def test_days_land_on_the_same_wall_clock(start: datetime, days: int) -> None:
    start = start.replace(second=0, microsecond=0)
    opens = opening_instant(start, MADRID, timedelta(days=days), WindowUnit.DAYS)
    wall = start - timedelta(days=days)
    if _exists(wall, MADRID):
        assert opens.astimezone(ZoneInfo(MADRID)).replace(tzinfo=None) == wall
    assert opens.tzinfo is UTC


@given(start=_local_starts, hours=st.integers(min_value=0, max_value=24 * 30))
def test_hours_are_exactly_elapsed(start: datetime, hours: int) -> None:
    opens = opening_instant(start, MADRID, timedelta(hours=hours), WindowUnit.HOURS)
    start_instant = start.replace(tzinfo=ZoneInfo(MADRID)).astimezone(UTC)
    assert start_instant - opens == timedelta(hours=hours)


# class_start


@pytest.mark.parametrize("label", ["07:00-08:00", "07:00 - 08:00", " 7:00-8:00 "])
def test_class_start_reads_aimharder_times(label: str) -> None:
    assert class_start(date(2026, 5, 4), label) == datetime(2026, 5, 4, 7, 0)


@pytest.mark.parametrize("label", ["", "07:00", "7-8", "25:00-26:00", "07:61-08:00", "ab:cd-ef:gh"])
def test_class_start_rejects_malformed_times(label: str) -> None:
    with pytest.raises(ValueError, match="invalid class time"):
        class_start(date(2026, 5, 4), label)


def test_parse_time_range_returns_both_ends() -> None:
    start, end = parse_time_range("23:00-00:00")
    assert (start.hour, end.hour) == (23, 0)
