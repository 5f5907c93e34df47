"""What the fake box says, in the member's language (es, ca, en), with AimHarder's codes.

Literal from AIMHARDER.md d): the codes `ERROR_ANTELACION_CLIENTE`,
`ERROR_ANTELACION_CLIENTE_HORAS` and `NOPUEDESRESERVAMISMAHORA`; the Spanish "too early" (days)
and "same hour" sentences; the Catalan and English "too early" (days) sentences. The hours
variants follow the days ones ("horas/hores/hours"; never quoted by any source). Everything
else (full, no credit, too late, unknown class, login refusals) is the fake's own plausible
wording; no code is invented for those answers, since none is known.
"""

from __future__ import annotations

from typing import Protocol

LANGUAGES = ("es", "ca", "en")
TOO_EARLY_DAYS_CODE = "ERROR_ANTELACION_CLIENTE"
TOO_EARLY_HOURS_CODE = "ERROR_ANTELACION_CLIENTE_HORAS"
SAME_HOUR_CODE = "NOPUEDESRESERVAMISMAHORA"


class WindowLike(Protocol):
    @property
    def amount(self) -> int: ...

    @property
    def unit(self) -> str: ...


_TOO_EARLY = {
    "es": "No puedes reservar clases con más de {n} {unit} de antelación",
    "ca": "No pots reservar classes amb més de {n} {unit} d'antelació",
    "en": "You can't book classes with more than {n} {unit} of anticipation",
}
_UNITS = {
    "es": {"days": "días", "hours": "horas"},
    "ca": {"days": "dies", "hours": "hores"},
    "en": {"days": "days", "hours": "hours"},
}
_SAME_HOUR = {
    "es": "No puedes hacer más de una reserva a la misma hora",
    "ca": "No pots fer més d'una reserva a la mateixa hora",
    "en": "You can't make more than one booking at the same time",
}
_TOO_LATE = {
    "es": "No puedes reservar clases con menos de {n} minutos de antelación",
    "ca": "No pots reservar classes amb menys de {n} minuts d'antelació",
    "en": "You can't book classes with less than {n} minutes of anticipation",
}
_STARTED = {
    "es": "No puedes reservar una clase que ya ha empezado",
    "ca": "No pots reservar una classe que ja ha començat",
    "en": "You can't book a class that has already started",
}
_FULL = {
    "es": "La clase está completa",
    "ca": "La classe està completa",
    "en": "The class is full",
}
_NO_CREDIT = {
    "es": "No tienes clases disponibles en tu tarifa para reservar esta clase",
    "ca": "No tens classes disponibles a la teva tarifa per reservar aquesta classe",
    "en": "You have spent all your classes",
}
_NOT_FOUND = {
    "es": "La clase no existe",
    "ca": "La classe no existeix",
    "en": "The class does not exist",
}

LOGIN_MISSING = "Debes introducir tu usuario y contraseña"
LOGIN_FINGERPRINT = "No se ha podido identificar el dispositivo"
LOGIN_WRONG = "Usuario o contraseña incorrectos"


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "es"


def too_early(lang: str, window: WindowLike) -> tuple[str, str]:
    """(errorMssg, errorMssgLang) for a booking attempted before the window opens."""
    lang = _lang(lang)
    hours = window.unit == "hours"
    unit = _UNITS[lang]["hours" if hours else "days"]
    text = _TOO_EARLY[lang].format(n=window.amount, unit=unit)
    return text, TOO_EARLY_HOURS_CODE if hours else TOO_EARLY_DAYS_CODE


def same_hour(lang: str) -> tuple[str, str]:
    """(errorMssg, errorMssgLang) for a second booking at the same hour."""
    return _SAME_HOUR[_lang(lang)], SAME_HOUR_CODE


def too_late(lang: str, minutes_before_start: int) -> str:
    """Booking has closed: `minutes_before_start` before the class, or the class started."""
    if minutes_before_start <= 0:
        return _STARTED[_lang(lang)]
    return _TOO_LATE[_lang(lang)].format(n=minutes_before_start)


def full(lang: str) -> str:
    return _FULL[_lang(lang)]


def no_credit(lang: str) -> str:
    return _NO_CREDIT[_lang(lang)]


def not_found(lang: str) -> str:
    return _NOT_FOUND[_lang(lang)]
