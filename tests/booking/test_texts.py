"""The user's texts in Spanish, Catalan and English: the catalogue, its formatting, telling the
language of the box's messages, and every notification written in the recipient's language
(in-process, against a real database)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from booking import aftercare, lifecycle, maintenance
from booking.infra.mail import Mailer
from booking.outcomes import Outcome
from booking.services import Services
from booking.texts import (
    CATALOGUE,
    OUTCOMES,
    class_label,
    detect_language,
    format_day,
    format_number,
    outcome_text,
    placeholders,
    render,
)
from models.notifications import Notification
from models.prebookings import Prebooking
from models.prebookings import PrebookingStatus as S
from models.users import Language, User
from tests.servers import free_port

ES, CA, EN = Language.ES, Language.CA, Language.EN

# What the fake box answers, copied from its own texts (it is written independently).
BOX_MESSAGES = {
    ES: ["No puedes reservar clases con más de 4 días de antelación",
         "No puedes reservar clases con más de 12 horas de antelación",
         "No puedes hacer más de una reserva a la misma hora",
         "No puedes reservar clases con menos de 30 minutos de antelación",
         "No puedes reservar una clase que ya ha empezado",
         "La clase está completa",
         "No tienes clases disponibles en tu tarifa para reservar esta clase",
         "La clase no existe",
         "Debes introducir tu usuario y contraseña",
         "No se ha podido identificar el dispositivo",
         "Usuario o contraseña incorrectos"],
    CA: ["No pots reservar classes amb més de 4 dies d'antelació",
         "No pots reservar classes amb més de 12 hores d'antelació",
         "No pots fer més d'una reserva a la mateixa hora",
         "No pots reservar classes amb menys de 30 minuts d'antelació",
         "No pots reservar una classe que ja ha començat",
         "La classe està completa",
         "No tens classes disponibles a la teva tarifa per reservar aquesta classe",
         "La classe no existeix"],
    EN: ["You can't book classes with more than 4 days of anticipation",
         "You can't book classes with more than 12 hours of anticipation",
         "You can't make more than one booking at the same time",
         "You can't book classes with less than 30 minutes of anticipation",
         "You can't book a class that has already started",
         "The class is full",
         "You have spent all your classes",
         "The class does not exist"],
}
KEYS = {"outcome.booked", "outcome.waitlisted", "outcome.failed", "outcome.watching",
        "outcome.cancelled_at_box", "rule.no_class", "rule.cap", "reminder.24", "reminder.1",
        "followup", "report.weekly"}
EVERY_PARAM: dict[str, object] = {
    "label": "WOD", "outcome": "BOOKED", "lateness_ms": 1.5, "reason": "why",
    "interval_s": 60, "day": "2026-04-02", "time": "18:00", "class_name": "WOD", "limit": 20,
    "total": 3, "booked": 2, "failed": 1, "median_ms": None}


# The catalogue

def test_every_key_is_written_in_every_language_with_the_same_parameters() -> None:
    assert set(CATALOGUE) == KEYS
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(Language), key
        for part in (0, 1):
            names = {language: placeholders(texts[language][part]) for language in Language}
            assert names[ES] == names[CA] == names[EN], (key, names)


def test_an_unknown_key_or_a_missing_parameter_fails_loudly() -> None:
    with pytest.raises(KeyError, match=r"outcome\.nope"):
        render(ES, "outcome.nope", label="WOD")
    with pytest.raises(KeyError, match="reason"):
        render(CA, "outcome.failed", label="WOD")


@pytest.mark.parametrize("language", list(Language))
def test_each_rendered_text_reads_as_its_own_language(language: Language) -> None:
    """Spanish words in a Catalan text (or the other way round) make it read as the wrong
    language."""
    label = class_label(language, name="WOD", class_id="1", day=date(2026, 10, 1),
                        class_time="18:00-19:00")
    for key in CATALOGUE:
        title, body = render(language, key, **{**EVERY_PARAM, "label": label})
        assert detect_language(f"{title} {body}") is language, (key, body)


def test_catalan_is_not_spanish() -> None:
    label = class_label(CA, name=None, class_id="77", day=date(2026, 12, 7), class_time=None)
    assert label == "classe 77 del dilluns 7 de desembre"
    title, body = render(CA, "outcome.waitlisted", label=label)
    assert title == "A la llista d'espera: classe 77 del dilluns 7 de desembre"
    assert "llista d'espera" in body and "plaça" in body and "lista de espera" not in body
    title, _ = render(ES, "outcome.waitlisted", label="WOD")
    assert title == "En lista de espera: WOD"


def test_dates_times_and_figures_are_written_for_the_language() -> None:
    day = date(2026, 4, 2)
    assert format_day(ES, day) == "jueves 2 de abril"
    assert format_day(CA, day) == "dijous 2 d'abril"
    assert format_day(CA, date(2026, 8, 3)) == "dilluns 3 d'agost"
    assert format_day(CA, date(2026, 1, 4)) == "diumenge 4 de gener"
    assert format_day(EN, day) == "Thursday 2 April"
    assert class_label(ES, name="WOD", class_id="1", day=day, class_time="18:00-19:00") == (
        "WOD del jueves 2 de abril, de 18:00 a 19:00")
    assert class_label(EN, name="WOD", class_id="1", day=day, class_time="18:00-19:00") == (
        "WOD on Thursday 2 April, 18:00-19:00")
    assert format_number(ES, 12.34) == "12,3" and format_number(EN, 12.34) == "12.3"
    assert format_number(CA, 60.0) == "60"
    assert render(ES, "rule.no_class", day=day.isoformat(), time="07:00", class_name="WOD")[0] \
        == "Sin clase el jueves 2 de abril"
    assert render(CA, "rule.no_class", day=day, time="07:00", class_name="WOD")[0] \
        == "Sense classe el dijous 2 d'abril"
    _, body = render(ES, "outcome.watching", label="WOD", interval_s=60)
    assert "cada 60 s" in body
    _, body = render(CA, "report.weekly", total=1, booked=1, failed=0, median_ms=2.26)
    assert body.endswith("l'obertura: 2,3 ms.")
    _, body = render(EN, "report.weekly", total=0, booked=0, failed=0, median_ms=None)
    assert body.endswith("after the opening: n/a.")


def test_every_outcome_has_a_phrase_in_every_language() -> None:
    for outcome in Outcome:
        assert set(OUTCOMES[outcome.value]) == set(Language), outcome
    assert outcome_text(CA, "FULL") == "la classe és plena"
    assert outcome_text(ES, None) == "error técnico"


# Telling the box's language

@pytest.mark.parametrize(("language", "message"),
                         [(lang, m) for lang, messages in BOX_MESSAGES.items() for m in messages])
def test_the_box_messages_language_is_recognised(language: Language, message: str) -> None:
    assert detect_language(message) is language
    assert detect_language(message.upper()) is language


@pytest.mark.parametrize("message", ["", "OK", "HTTP 500", "WOD 18:00", "No"])
def test_unsure_is_none(message: str) -> None:
    assert detect_language(message) is None


def test_a_typographic_apostrophe_is_an_apostrophe() -> None:
    assert detect_language("You can\u2019t book") is EN
    assert detect_language("d\u2019antelació") is CA


# Notifications in the recipient's language

async def user_with(language: Language | None = None,
                    box_language: Language | None = None) -> User:
    return await User.create(subject=f"s-{uuid.uuid4()}", email="lang@example.com",
                             language=language, box_language=box_language)


DAY = date(2030, 4, 2)  # a Tuesday


async def executing(user: User) -> Prebooking:
    return await Prebooking.create(
        user=user, status=S.EXECUTING, box_id="10001", box_subdomain="demo",
        box_timezone="Europe/Madrid", class_id=uuid.uuid4().hex[:8], class_name="WOD",
        class_time="18:00-19:00", day=DAY,
        opens_at=datetime.now(UTC) + timedelta(days=1), dedup_key=uuid.uuid4().hex)


def box_answer(book_state: int, message: str, code: str | None = None) -> str:
    answer: dict[str, object] = {"bookState": book_state, "errorMssg": message}
    if code:
        answer["errorMssgLang"] = code
    return json.dumps(answer)


async def end(row: Prebooking, target: S, services: Services, **facts: object) -> Notification:
    moved = await lifecycle.move(row.id, source=S.EXECUTING, target=target, services=services,
                                 facts=facts)
    assert moved is not None
    return await Notification.get(prebooking_id=row.id, kind="OUTCOME")


async def test_a_failure_teaches_the_box_language_and_is_told_in_it(services: Services) -> None:
    user = await user_with()
    row = await executing(user)
    message = "No pots reservar classes amb menys de 30 minuts d'antelació"
    note = await end(row, S.FAILED, services, outcome="TOO_LATE", book_state=-7,
                     error_message=message, raw_answer=box_answer(-7, message))
    stored = await User.get(id=user.id)
    assert stored.box_language is CA and stored.language is None
    assert stored.effective_language is CA
    assert note.title.startswith("No s'ha pogut reservar: WOD del dimarts 2 d'abril")
    assert note.body.endswith(f": {message}")


async def test_a_success_with_a_box_message_teaches_it_too(services: Services) -> None:
    user = await user_with()
    row = await executing(user)
    message = "You can't make more than one booking at the same time"
    note = await end(row, S.COMPLETED, services, outcome="ALREADY_BOOKED", book_state=-12,
                     raw_answer=box_answer(-12, message, "NOPUEDESRESERVAMISMAHORA"))
    assert (await User.get(id=user.id)).box_language is EN
    assert note.title.startswith("Booked: WOD on ")
    assert "(you already had a place at that time)" in note.body


async def test_the_language_learnt_first_stays(services: Services) -> None:
    user = await user_with(box_language=ES)
    row = await executing(user)
    message = "La classe està completa"
    note = await end(row, S.FAILED, services, outcome="FULL", book_state=-1,
                     error_message=message, raw_answer=box_answer(-1, message))
    assert (await User.get(id=user.id)).box_language is ES
    # Told in Spanish: the outcome's phrase rather than the box's Catalan words.
    assert note.title.startswith("No se ha podido reservar: WOD del ")
    assert note.body.endswith(": la clase está completa")


async def test_prebooks_own_messages_teach_nothing(services: Services) -> None:
    user = await user_with()
    row = await executing(user)
    note = await end(row, S.FAILED, services, error_message="the class started while it "
                     "was still full")
    assert (await User.get(id=user.id)).box_language is None
    assert note.title.startswith("No se ha podido reservar: WOD del ")  # Spanish by default
    assert note.body.endswith(": error técnico (the class started while it was still full)")


async def test_the_users_choice_wins_and_waitlisted_is_told_as_such(services: Services) -> None:
    user = await user_with(language=EN, box_language=CA)
    row = await executing(user)
    note = await end(row, S.COMPLETED, services, outcome="WAITLISTED", book_state=0)
    assert note.title.startswith("On the waiting list: WOD on ")
    assert "waiting list" in note.body


async def test_booked_gives_the_lateness(services: Services) -> None:
    user = await user_with(language=ES)
    row = await executing(user)
    note = await end(row, S.COMPLETED, services, outcome="BOOKED", book_state=1,
                     lateness_ms=3.25)
    assert note.title == "Plaza reservada: WOD del martes 2 de abril, de 18:00 a 19:00"
    assert "(plaza confirmada)" in note.body
    assert note.body.endswith("Retraso respecto a la apertura: 3,2 ms.")


async def test_reminders_and_follow_up_in_the_users_language(services: Services) -> None:
    user = await user_with(language=CA)
    row = await executing(user)
    await Prebooking.filter(id=row.id).update(status=S.COMPLETED, outcome="BOOKED")
    assert await aftercare.remind(row.id, 24, services=services) == "sent"
    assert await aftercare.remind(row.id, 1, services=services) == "sent"
    assert await aftercare.follow_up(row.id, services=services) == "sent"
    notes = {n.dedup_key: n for n in await Notification.filter(prebooking_id=row.id)}
    label = "WOD del dimarts 2 d'abril, de 18:00 a 19:00"
    assert notes[f"reminder-24h-{row.id}"].title == f"D'aquí a 24 h: {label}"
    assert notes[f"reminder-1h-{row.id}"].body == (
        f"Recordatori: d'aquí a una hora comença {label}.")
    assert notes[f"followup-{row.id}"].title == f"Com ha anat? {label}"


async def test_the_weekly_report_in_each_users_language(services: Services) -> None:
    catalan, english = await user_with(language=CA), await user_with(box_language=EN)
    for user in (catalan, english):
        row = await executing(user)
        await Prebooking.filter(id=row.id).update(status=S.COMPLETED, lateness_ms=2.0)
    assert await maintenance.weekly_report(services) == 2
    told = await Notification.get(user=catalan, kind="REPORT")
    assert told.title == "La teva setmana amb prebook"
    assert told.body == ("Reserves programades aquesta setmana: 1 (aconseguides: 1, fallides: "
                         "0). Mediana del retard respecte a l'obertura: 2 ms.")
    told = await Notification.get(user=english, kind="REPORT")
    assert told.title == "Your week with prebook"


class Inbox:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


async def test_the_email_carries_the_text_in_the_users_language(services: Services,
                                                                inbox: Inbox) -> None:
    mailing = dataclasses.replace(
        services, mailer=Mailer(f"smtp://127.0.0.1:{inbox.port}", "prebook <noreply@test>"))
    user = await user_with(language=CA)
    row = await executing(user)
    note = await end(row, S.COMPLETED, mailing, outcome="BOOKED", book_state=1,
                     lateness_ms=0.5)
    assert note.emailed_at is not None
    [mail] = inbox.messages
    assert mail["Subject"] == note.title == (
        "Plaça reservada: WOD del dimarts 2 d'abril, de 18:00 a 19:00")
    body = mail.get_body()
    assert body is not None and body.get_content().strip() == note.body
    assert "Retard respecte a l'obertura: 0,5 ms." in note.body
