"""The ledger of QStash deliveries processed, keyed by the unique message id, and the signature
tokens already used."""

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


class DeliveryToken(Model):
    """The `jti` of each verified `Upstash-Signature`, kept until the token expires.

    The message id is not covered by the signature: without this, a captured delivery could be
    sent again under a new `Upstash-Message-Id` and run its job again.
    """

    id = fields.BigIntField(primary_key=True)
    jti = fields.CharField(max_length=128, unique=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "delivery_tokens"
