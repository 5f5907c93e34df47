"""The AimHarder web API as AIMHARDER.md shows it: client, answers, errors, browser headers."""

from __future__ import annotations

from booking.aimharder.answers import AccountInfo, BoxInfo, ClassInfo
from booking.aimharder.browser import DEFAULT_USER_AGENT, BrowserHeaders
from booking.aimharder.client import (
    AimharderClient,
    AimharderSession,
    CancelState,
    is_fingerprint,
    new_fingerprint,
)
from booking.aimharder.errors import (
    AccessBlockedError,
    AimharderError,
    InvalidCredentialsError,
    SessionExpiredError,
    UnexpectedAnswerError,
    UpstreamUnavailableError,
)
from booking.aimharder.shapes import Shapes
from booking.outcomes import BookAnswer

__all__ = [
    "DEFAULT_USER_AGENT",
    "AccessBlockedError",
    "AccountInfo",
    "AimharderClient",
    "AimharderError",
    "AimharderSession",
    "BookAnswer",
    "BoxInfo",
    "BrowserHeaders",
    "CancelState",
    "ClassInfo",
    "InvalidCredentialsError",
    "SessionExpiredError",
    "Shapes",
    "UnexpectedAnswerError",
    "UpstreamUnavailableError",
    "is_fingerprint",
    "new_fingerprint",
]
