"""What the AimHarder client raises. Messages never contain passwords, cookies or tokens."""

from __future__ import annotations

__all__ = [
    "AccessBlockedError",
    "AimharderError",
    "InvalidCredentialsError",
    "SessionExpiredError",
    "UnexpectedAnswerError",
    "UpstreamUnavailableError",
]

ACCESS_BLOCKED_MESSAGE = (
    "AimHarder refused this server's network location ({detail}); AimHarder blocks many "
    "networks outside Spain. Route AimHarder traffic through an egress proxy with "
    "AIMHARDER_PROXY (http://user:password@host:port or socks5://host:port)."
)


class AimharderError(Exception):
    """Base of everything this client raises."""


class InvalidCredentialsError(AimharderError):
    """AimHarder refused the email/password (authOK false, an error, or no session cookie)."""


class SessionExpiredError(AimharderError):
    """The session is gone: `{"logout": …}`, whoami's `{"data": []}`, or a refused renewal."""


class AccessBlockedError(AimharderError):
    """HTTP 403, or an HTML page where JSON was expected: AimHarder refused this server's
    network location (geo-blocking), not the password. The message names AIMHARDER_PROXY."""

    def __init__(self, detail: str) -> None:
        super().__init__(ACCESS_BLOCKED_MESSAGE.format(detail=detail))
        self.detail = detail


class UpstreamUnavailableError(AimharderError):
    """No usable answer: network error, timeout or 5xx.

    `sent_at_ns` is set when a booking request was handed to the network before failing,
    so the caller knows it may have reached the box.
    """

    def __init__(self, message: str, *, sent_at_ns: int | None = None) -> None:
        super().__init__(message)
        self.sent_at_ns = sent_at_ns


class UnexpectedAnswerError(UpstreamUnavailableError):
    """AimHarder answered in a shape the evidence does not show; the message names what was
    unexpected (keys, types), never values that could be secrets."""
