"""The ledger of QStash deliveries processed, keyed by the unique message id."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class DeliveryState(StrEnum):
    RECEIVED = "RECEIVED"
    DONE = "DONE"
    RETRYABLE = "RETRYABLE"
    FAILED = "FAILED"


class ProcessedDelivery(Model):
    id = fields.IntField(primary_key=True)
    message_id = fields.CharField(max_length=128, unique=True)
    job = fields.CharField(max_length=100)
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.RECEIVED)
    deliveries = fields.IntField(default=1)
    status_code = fields.IntField(null=True)
    detail = fields.TextField(null=True)
    received_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "processed_deliveries"
