"""Rate-limit hits, kept in the database so a limit holds across workers and instances."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RateLimitHit(Model):
    """One counted attempt; it stops counting (and may be deleted) at `expires_at`."""

    id = fields.BigIntField(primary_key=True)
    # The rule's name and a digest of what is limited (a user id, an AimHarder email).
    bucket = fields.CharField(max_length=100)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "rate_limit_hits"
        indexes = (("bucket", "expires_at"), ("expires_at",))
