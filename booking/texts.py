"""Every text prebook writes to a user (notifications and their emails) in Spanish, Catalan
and English, the formatting of the dates and figures inside them, and telling which of those
languages one of the box's own messages is in.

`render(language, key, **params)` gives a (title, body) pair. Parameters are formatted for
the language by name and type: `outcome` (a prebooking outcome code) becomes its phrase, a
name ending in `_ms` or `_s` is a duration (None: no data), a date (or an ISO date string
under `day`) is written out with its weekday, and any other float gets the language's decimal
mark.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date

from models.users import Language

ES, CA, EN = Language.ES, Language.CA, Language.EN

Texts = Mapping[Language, tuple[str, str]]

CATALOGUE: Mapping[str, Texts] = {
    "outcome.booked": {
        ES: ("Plaza reservada: {label}",
             "prebook ha reservado {label} ({outcome}). "
             "Retraso respecto a la apertura: {lateness_ms}."),
        CA: ("Plaça reservada: {label}",
             "prebook ha reservat {label} ({outcome}). "
             "Retard respecte a l'obertura: {lateness_ms}."),
        EN: ("Booked: {label}",
             "prebook booked {label} ({outcome}). Lateness after the opening: {lateness_ms}."),
    },
    "outcome.waitlisted": {
        ES: ("En lista de espera: {label}",
             "La clase estaba completa y prebook te ha apuntado a la lista de espera de "
             "{label}. Si se libera una plaza, el box te la dará por orden de llegada."),
        CA: ("A la llista d'espera: {label}",
             "La classe era plena i prebook t'ha apuntat a la llista d'espera de {label}. "
             "Si s'allibera una plaça, el box te la donarà per ordre d'arribada."),
        EN: ("On the waiting list: {label}",
             "The class was full, so prebook put you on the waiting list for {label}. If a "
             "place frees up, the box gives it to whoever is first in line."),
    },
    "outcome.failed": {
        ES: ("No se ha podido reservar: {label}",
             "prebook no ha podido reservar {label}: {reason}"),
        CA: ("No s'ha pogut reservar: {label}",
             "prebook no ha pogut reservar {label}: {reason}"),
        EN: ("Could not book: {label}", "prebook could not book {label}: {reason}"),
    },
    "outcome.watching": {
        ES: ("Esperando plaza: {label}",
             "Al abrirse la reserva no quedaban plazas en {label}. prebook seguirá "
             "comprobándolo cada {interval_s} y te reservará una en cuanto se libere."),
        CA: ("Esperant plaça: {label}",
             "Quan es va obrir la reserva no quedaven places a {label}. prebook ho continuarà "
             "comprovant cada {interval_s} i et reservarà plaça tan bon punt n'hi hagi una "
             "de lliure."),
        EN: ("Watching for a place: {label}",
             "There were no places left in {label} when booking opened. prebook keeps "
             "checking every {interval_s} and will book one for you as soon as it frees up."),
    },
    "outcome.cancelled_at_box": {
        ES: ("Reserva cancelada: {label}", "Se ha cancelado en el box tu reserva de {label}."),
        CA: ("Reserva cancel·lada: {label}",
             "S'ha cancel·lat al box la teva reserva de {label}."),
        EN: ("Booking cancelled: {label}",
             "Your booking for {label} has been cancelled at the box."),
    },
    "rule.no_class": {
        ES: ("Sin clase el {day}",
             "Tu regla semanal no ha encontrado ninguna clase que coincida con "
             "«{class_name}» a las {time} el {day}. prebook omite este día; la regla sigue "
             "activa."),
        CA: ("Sense classe el {day}",
             "La teva regla setmanal no ha trobat cap classe que coincideixi amb "
             "«{class_name}» a les {time} el {day}. prebook omet aquest dia; la regla "
             "continua activa."),
        EN: ("No class on {day}",
             "Your weekly rule found no class matching “{class_name}” at {time} on {day}. "
             "prebook skips this day; the rule stays active."),
    },
    "rule.cap": {
        ES: ("Límite de reservas programadas",
             "Una regla semanal no ha podido programar una clase porque ya tienes {limit} "
             "reservas programadas pendientes, el máximo. prebook lo volverá a intentar "
             "cuando tengas menos."),
        CA: ("Límit de reserves programades",
             "Una regla setmanal no ha pogut programar una classe perquè ja tens {limit} "
             "reserves programades pendents, el màxim. prebook ho tornarà a provar quan en "
             "tinguis menys."),
        EN: ("Pending prebookings limit reached",
             "A weekly rule could not schedule a class because you already have {limit} "
             "pending prebookings, the maximum. prebook will try again once you have fewer."),
    },
    "reminder.24": {
        ES: ("En 24 h: {label}", "Recordatorio: dentro de 24 horas empieza {label}."),
        CA: ("D'aquí a 24 h: {label}", "Recordatori: d'aquí a 24 hores comença {label}."),
        EN: ("In 24 h: {label}", "Reminder: {label} starts in 24 hours."),
    },
    "reminder.1": {
        ES: ("En 1 h: {label}", "Recordatorio: dentro de una hora empieza {label}."),
        CA: ("D'aquí a 1 h: {label}", "Recordatori: d'aquí a una hora comença {label}."),
        EN: ("In 1 h: {label}", "Reminder: {label} starts in one hour."),
    },
    "followup": {
        ES: ("¿Qué tal ha ido? {label}",
             "Ha terminado {label}. prebook puede reservarte la próxima clase en el instante "
             "en que se abra la reserva."),
        CA: ("Com ha anat? {label}",
             "Ha acabat {label}. prebook et pot reservar la pròxima classe en el mateix "
             "instant que s'obri la reserva."),
        EN: ("How was it? {label}",
             "{label} is over. prebook can book your next one the instant it opens."),
    },
    "report.weekly": {
        ES: ("Tu semana con prebook",
             "Reservas programadas esta semana: {total} (conseguidas: {booked}, fallidas: "
             "{failed}). Mediana del retraso respecto a la apertura: {median_ms}."),
        CA: ("La teva setmana amb prebook",
             "Reserves programades aquesta setmana: {total} (aconseguides: {booked}, "
             "fallides: {failed}). Mediana del retard respecte a l'obertura: {median_ms}."),
        EN: ("Your week with prebook",
             "Prebookings this week: {total} (booked: {booked}, failed: {failed}). "
             "Median lateness after the opening: {median_ms}."),
    },
}

# What each outcome of `booking.outcomes.Outcome` means, as a phrase inside a sentence.
OUTCOMES: Mapping[str, Mapping[Language, str]] = {
    "BOOKED": {ES: "plaza confirmada", CA: "plaça confirmada", EN: "place confirmed"},
    "WAITLISTED": {ES: "en lista de espera", CA: "a la llista d'espera",
                   EN: "on the waiting list"},
    "ALREADY_BOOKED": {ES: "ya tenías plaza a esa hora", CA: "ja tenies plaça a aquella hora",
                       EN: "you already had a place at that time"},
    "FULL": {ES: "la clase está completa", CA: "la classe és plena", EN: "the class is full"},
    "NO_CREDIT": {ES: "no te quedan clases en tu tarifa",
                  CA: "no et queden classes a la teva tarifa",
                  EN: "you have no classes left on your plan"},
    "UNPAID": {ES: "tienes un pago pendiente", CA: "tens un pagament pendent",
               EN: "you have an outstanding payment"},
    "TOO_LATE": {ES: "la reserva de esta clase ya está cerrada",
                 CA: "la reserva d'aquesta classe ja està tancada",
                 EN: "booking for this class has closed"},
    "MAX_BOOKINGS": {ES: "tienes demasiadas reservas a la vez", CA: "tens massa reserves alhora",
                     EN: "you have too many bookings at once"},
    "PLAN_LIMIT": {ES: "has llegado al límite de reservas de tu tarifa",
                   CA: "has arribat al límit de reserves de la teva tarifa",
                   EN: "you have reached your plan's booking limit"},
    "TOO_EARLY": {ES: "la reserva aún no estaba abierta", CA: "la reserva encara no estava oberta",
                  EN: "booking had not opened yet"},
    "BOX_RULE": {ES: "una norma del box no lo permite", CA: "una norma del box no ho permet",
                 EN: "one of the box's rules does not allow it"},
    "LOGGED_OUT": {ES: "AimHarder ha cerrado la sesión", CA: "AimHarder ha tancat la sessió",
                   EN: "AimHarder ended the session"},
    "ACCESS_BLOCKED": {ES: "AimHarder ha rechazado la conexión del servidor",
                       CA: "AimHarder ha rebutjat la connexió del servidor",
                       EN: "AimHarder refused the server's connection"},
    "UNKNOWN": {ES: "AimHarder ha dado una respuesta inesperada",
                CA: "AimHarder ha donat una resposta inesperada",
                EN: "AimHarder gave an unexpected answer"},
    "CANCELLED_AT_BOX": {ES: "cancelada en el box", CA: "cancel·lada al box",
                         EN: "cancelled at the box"},
}
NO_OUTCOME: Mapping[Language, str] = {ES: "error técnico", CA: "error tècnic",
                                      EN: "technical error"}
NO_DATA: Mapping[Language, str] = {ES: "sin datos", CA: "sense dades", EN: "n/a"}

WEEKDAYS: Mapping[Language, tuple[str, ...]] = {
    ES: ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    CA: ("dilluns", "dimarts", "dimecres", "dijous", "divendres", "dissabte", "diumenge"),
    EN: ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS: Mapping[Language, tuple[str, ...]] = {
    ES: ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
         "septiembre", "octubre", "noviembre", "diciembre"),
    CA: ("gener", "febrer", "març", "abril", "maig", "juny", "juliol", "agost", "setembre",
         "octubre", "novembre", "desembre"),
    EN: ("January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"),
}
_CLASS = {ES: "clase", CA: "classe", EN: "class"}


def render(language: Language, key: str, **params: object) -> tuple[str, str]:
    """(title, body) of the text `key` in `language`; KeyError for an unknown key or a
    missing parameter."""
    try:
        title, body = CATALOGUE[key][language]
    except KeyError:
        raise KeyError(f"no text {key!r} in {language.value!r}") from None
    values = {name: _format(language, name, value) for name, value in params.items()}
    return title.format_map(values), body.format_map(values)


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _format(language: Language, name: str, value: object) -> str:
    if name == "outcome":
        return outcome_text(language, None if value is None else str(value))
    if name.endswith("_ms"):
        return NO_DATA[language] if value is None else f"{format_number(language, value)} ms"
    if name.endswith("_s"):
        return NO_DATA[language] if value is None else f"{format_number(language, value)} s"
    if name == "day" and isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, date):
        return format_day(language, value)
    if isinstance(value, float):
        return format_number(language, value)
    return str(value)


def format_number(language: Language, value: object) -> str:
    """A whole number as is; otherwise one decimal, with a comma in Spanish and Catalan."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.1f}"
    return text if language is EN else text.replace(".", ",")


def format_day(language: Language, day: date) -> str:
    """A day with its weekday: jueves 3 de diciembre, dijous 3 d'abril, Thursday 3 December."""
    weekday = WEEKDAYS[language][day.weekday()]
    month = MONTHS[language][day.month - 1]
    if language is EN:
        return f"{weekday} {day.day} {month}"
    if language is CA and month[0] in "aeiou":
        return f"{weekday} {day.day} d'{month}"  # d'abril, d'agost, d'octubre
    return f"{weekday} {day.day} de {month}"


def format_times(language: Language, class_time: str) -> str:
    """A class's "HH:MM-HH:MM" as "de 18:00 a 19:00" (es, ca) or "18:00-19:00" (en)."""
    start, sep, end = (part.strip() for part in class_time.partition("-"))
    if not sep or not start or not end:
        return class_time.strip()
    return f"{start}-{end}" if language is EN else f"de {start} a {end}"


def class_label(language: Language, *, name: str | None, class_id: str, day: date,
                class_time: str | None) -> str:
    """How a text names one class: "WOD del jueves 3 de diciembre, de 18:00 a 19:00"."""
    named = name or f"{_CLASS[language]} {class_id}"
    on = "on" if language is EN else "del"
    label = f"{named} {on} {format_day(language, day)}"
    return f"{label}, {format_times(language, class_time)}" if class_time else label


def outcome_text(language: Language, outcome: str | None) -> str:
    """The phrase for an outcome code; a technical error when there is none."""
    if outcome is None:
        return NO_OUTCOME[language]
    return OUTCOMES.get(outcome, OUTCOMES["UNKNOWN"])[language]


# Words of AimHarder's messages found in one of the three languages only (accents matter:
# "més"/"más", "està"/"está"). Shared words are left out: "reserva", "reservar", "tarifa",
# "completa", "classes" and "places" (Catalan and English), "tu", "has", "no", "la", "una".
_WORDS: Mapping[Language, frozenset[str]] = {
    ES: frozenset({
        "puedes", "puede", "clase", "tienes", "con", "más", "menos", "días", "horas",
        "minutos", "antelación", "misma", "hacer", "está", "ya", "empezado", "para", "esta",
        "existe", "usuario", "contraseña", "debes", "introducir", "dispositivo",
        "incorrectos", "plaza", "plazas", "reservas", "llena", "lista", "podido", "hay", "y",
        "los", "las", "empieza", "dentro", "cancelado", "cancelada", "semana",
    }),
    CA: frozenset({
        "pots", "pot", "classe", "tens", "amb", "més", "menys", "dies", "hores", "minuts",
        "antelació", "mateixa", "fer", "està", "ja", "començat", "teva", "teu", "per",
        "aquesta", "aquest", "existeix", "plaça", "reserves", "llista", "plena", "pogut",
        "usuari", "contrasenya", "dispositiu", "introduir", "incorrectes", "hi", "sessió",
        "comença", "cancel·lat", "cancel·lada", "setmana",
    }),
    EN: frozenset({
        "you", "can't", "cannot", "can", "book", "booking", "bookings", "booked", "class",
        "with", "more", "less", "than", "days", "hours", "minutes", "anticipation", "the",
        "is", "full", "have", "your", "does", "not", "exist", "started", "already", "same",
        "time", "make", "spent", "all", "of", "password", "user", "wrong", "starts", "hour",
        "cancelled", "week",
    }),
}
_TOKEN = re.compile(r"[^\W\d_]+(?:['·][^\W\d_]+)*")  # "can't", "d'antelació", "cancel·lat"


def detect_language(message: str) -> Language | None:
    """The language of one of AimHarder's messages (`errorMssg`, written in the account's
    language), by its words; None when no language clearly leads."""
    words: list[str] = []
    for token in _TOKEN.findall(message.replace("\u2019", "'").casefold()):
        words.append(token)
        if "'" in token:  # "d'antelació": the word after the apostrophe counts too
            words.extend(token.split("'"))
    scores = sorted(((sum(w in vocabulary for w in words), language)
                     for language, vocabulary in _WORDS.items()), reverse=True)
    (best, language), (second, _) = scores[0], scores[1]
    return language if best > second else None
