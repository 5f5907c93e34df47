"""Creating notifications (once per dedup key) and emailing them when SMTP is configured."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from booking.infra.mail import Mailer, MailError
from models.notifications import Notification
from models.users import User

log = logging.getLogger(__name__)


async def notify(
    user: User,
    *,
    kind: str,
    title: str,
    body: str,
    prebooking_id: uuid.UUID | None = None,
    dedup_key: str | None = None,
    mailer: Mailer | None = None,
) -> Notification | None:
    """Store a notification; None when one with the same dedup key exists already."""
    try:
        note = await Notification.create(
            user=user, kind=kind, title=title[:255], body=body, prebooking_id=prebooking_id,
            dedup_key=dedup_key,
        )
    except IntegrityError:
        return None
    if mailer is not None and user.email:
        try:
            await mailer.send(user.email, title, body)
            note.emailed_at = datetime.now(UTC)
            await note.save(update_fields=["emailed_at"])
        except MailError as exc:
            note.email_error = str(exc)
            await note.save(update_fields=["email_error"])
            log.warning("notification %s not emailed: %s", note.id, exc)
    return note
