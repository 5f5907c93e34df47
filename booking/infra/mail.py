"""Email delivery of notifications over SMTP (SMTP_URL), off the event loop."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit


class MailError(Exception):
    pass


@dataclass(frozen=True)
class Mailer:
    """`smtp://[user:password@]host[:port]`, `smtp+starttls://…` or `smtps://…`."""

    url: str = field(repr=False)
    sender: str
    timeout: float = 10.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in {"smtp", "smtps", "smtp+starttls"} or not parts.hostname:
            raise MailError("SMTP_URL must look like smtp://user:password@host:port")

    def _send(self, to: str, subject: str, body: str) -> None:
        parts = urlsplit(self.url)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        default_port = 465 if parts.scheme == "smtps" else 25
        with smtp_class(parts.hostname or "", parts.port or default_port,
                        timeout=self.timeout) as client:
            if parts.scheme == "smtp+starttls":
                client.starttls()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)

    async def send(self, to: str, subject: str, body: str) -> None:
        try:
            await asyncio.to_thread(self._send, to, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"could not send email: {type(exc).__name__}") from exc
