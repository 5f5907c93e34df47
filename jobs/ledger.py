"""The delivery ledger: each QStash message id once, so a finished message is never re-run, and
each signature token once, so a captured delivery cannot be replayed under another id."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models.deliveries import DeliveryState, DeliveryToken, ProcessedDelivery

FINISHED = (DeliveryState.DONE, DeliveryState.FAILED)


async def record_arrival(message_id: str, job: str) -> bool:
    """Record a delivery; False when this message was already handled to completion."""
    try:
        await ProcessedDelivery.create(message_id=message_id, job=job)
        return True
    except IntegrityError:
        pass
    row = await ProcessedDelivery.get_or_none(message_id=message_id)
    if row is None or row.state in FINISHED:
        return row is None
    await ProcessedDelivery.filter(id=row.id).update(deliveries=F("deliveries") + 1)
    return True


async def record_result(
    message_id: str, state: DeliveryState, status_code: int, detail: str | None = None
) -> None:
    await ProcessedDelivery.filter(message_id=message_id).update(
        state=state, status_code=status_code, detail=(detail or "")[:2000] or None
    )


async def record_token(jti: str, expires_at: datetime, *, now: datetime | None = None) -> bool:
    """Record a verified signature's token id; False when it was used before (a replay).

    Expired ids are dropped: the signature check already refuses their tokens.
    """
    await DeliveryToken.filter(expires_at__lt=now or datetime.now(UTC)).delete()
    try:
        await DeliveryToken.create(jti=jti, expires_at=expires_at)
    except IntegrityError:
        return False
    return True
