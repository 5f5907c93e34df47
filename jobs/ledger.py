"""The delivery ledger: each QStash message id once, so a finished message is never re-run."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from models.deliveries import DeliveryState, ProcessedDelivery

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
