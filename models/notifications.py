"""Notifications a user can query (outcomes, reminders, reports), optionally also emailed."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.users import User


class NotificationKind(StrEnum):
    """The values of `Notification.kind`."""

    OUTCOME = "OUTCOME"  # a prebooking ended (booked, waitlisted, failed, now watching)
    REMINDER = "REMINDER"  # a booked class is 24 h or 1 h away
    FOLLOWUP = "FOLLOWUP"  # after the class
    REPORT = "REPORT"  # the weekly report
    ACCOUNT = "ACCOUNT"  # the AimHarder account needs attention
    RULE = "RULE"  # a weekly rule could not place an occurrence


class Notification(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)  # OUTCOME, REMINDER, FOLLOWUP, REPORT, ACCOUNT
    title = fields.CharField(max_length=255)
    body = fields.TextField()
    prebooking_id = fields.UUIDField(null=True)
    # Unique where set, so an at-least-once job does not notify twice.
    dedup_key = fields.CharField(max_length=128, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    emailed_at = fields.DatetimeField(null=True)
    email_error = fields.TextField(null=True)

    class Meta:
        table = "notifications"
        indexes = (("user", "created_at"),)
