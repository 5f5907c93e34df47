"""What the fake box says, in the member's language (es, ca, en), with AimHarder's codes.

The Spanish "too early" and "same hour" sentences were captured from a real box; the Catalan
and English ones are the forms the previous system parsed; the hours variants are inferred.
Everything else (full, no credit, unknown class, cancel errors) is the fake's own wording.
"""

from __future__ import annotations

from booking.opening import TOO_EARLY_DAYS_CODE, TOO_EARLY_HOURS_CODE, BookingWindow, WindowUnit
from booking.outcomes import SAME_HOUR_CODE

LANGUAGES = ("es", "ca", "en")
FULL_CODE = "ERROR_CLASE_COMPLETA"
NO_CREDIT_CODE = "ERROR_SIN_CREDITOS"
NOT_FOUND_CODE = "ERROR_CLASE_NO_ENCONTRADA"

_TOO_EARLY = {
    "es": "No puedes reservar clases con más de {n} {unit} de antelación",
    "ca": "No pots reservar classes amb més de {n} {unit} d'antelació",
    "en": "You can't book classes with more than {n} {unit} of anticipation",
}
_UNITS = {
    "es": {WindowUnit.DAYS: "días", WindowUnit.HOURS: "horas"},
    "ca": {WindowUnit.DAYS: "dies", WindowUnit.HOURS: "hores"},
    "en": {WindowUnit.DAYS: "days", WindowUnit.HOURS: "hours"},
}
_SAME_HOUR = {
    "es": "No puedes hacer más de una reserva a la misma hora",
    "ca": "No pots fer més d'una reserva a la mateixa hora",
    "en": "You can't make more than one booking at the same time",
}
_FULL = {
    "es": "La clase está completa",
    "ca": "La classe està completa",
    "en": "The class is full",
}
_NO_CREDIT = {
    "es": "No tienes créditos suficientes para reservar esta clase",
    "ca": "No tens prou crèdits per reservar aquesta classe",
    "en": "You don't have enough credits to book this class",
}
_NOT_FOUND = {
    "es": "La clase no existe",
    "ca": "La classe no existeix",
    "en": "The class does not exist",
}


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "es"


def too_early(lang: str, window: BookingWindow) -> tuple[str, str]:
    """(errorMssg, errorMssgLang) for a booking attempted before the window opens."""
    lang = _lang(lang)
    text = _TOO_EARLY[lang].format(n=window.amount, unit=_UNITS[lang][window.unit])
    code = TOO_EARLY_HOURS_CODE if window.unit is WindowUnit.HOURS else TOO_EARLY_DAYS_CODE
    return text, code


def same_hour(lang: str) -> tuple[str, str]:
    return _SAME_HOUR[_lang(lang)], SAME_HOUR_CODE


def full(lang: str) -> tuple[str, str]:
    return _FULL[_lang(lang)], FULL_CODE


def no_credit(lang: str) -> tuple[str, str]:
    return _NO_CREDIT[_lang(lang)], NO_CREDIT_CODE


def not_found(lang: str) -> tuple[str, str]:
    return _NOT_FOUND[_lang(lang)], NOT_FOUND_CODE
