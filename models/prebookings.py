"""Prebookings: one class a user wants booked at the instant its window opens."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.users import User

if TYPE_CHECKING:
    from models.rules import Rule


class PrebookingStatus(StrEnum):
    PENDING = "PENDING"
    EXECUTING = "EXECUTING"
    WATCHING = "WATCHING"  # the class was full at the opening; checked until a place frees
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class Prebooking(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="prebookings", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(PrebookingStatus, max_length=16, default=PrebookingStatus.PENDING)
    box_id = fields.CharField(max_length=32)
    box_subdomain = fields.CharField(max_length=100)
    box_timezone = fields.CharField(max_length=64)
    class_id = fields.CharField(max_length=64)
    class_name = fields.CharField(max_length=255, null=True)
    class_time = fields.CharField(max_length=32, null=True)
    day = fields.DateField()
    family_id = fields.CharField(max_length=64, null=True)
    opens_at = fields.DatetimeField()
    # Ask for the waiting list (`insist=1`) when the class is full.
    waitlist = fields.BooleanField(default=False)
    # A FULL answer moves the prebooking to WATCHING instead of ending it.
    watch_if_full = fields.BooleanField(default=False)
    # The weekly rule that made this prebooking (one per rule and day), if any.
    rule: fields.ForeignKeyNullableRelation[Rule] = fields.ForeignKeyField(
        "models.Rule", related_name="prebookings", null=True, on_delete=fields.SET_NULL
    )
    watch_checks = fields.IntField(default=0)  # checks made while WATCHING
    cancelled_at = fields.DatetimeField(null=True)  # cancelled here, or at the box
    # Set while the prebooking is live; unique, so a second one for the same class is refused
    # by the database itself. Cleared on cancel or failure so the user may try again.
    dedup_key = fields.CharField(max_length=255, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    claimed_at = fields.DatetimeField(null=True)
    fired_at = fields.DatetimeField(null=True)
    answered_at = fields.DatetimeField(null=True)
    lateness_ms = fields.FloatField(null=True)
    attempts = fields.IntField(default=0)
    outcome = fields.CharField(max_length=32, null=True)
    book_state = fields.IntField(null=True)
    booking_id = fields.CharField(max_length=64, null=True)
    error_message = fields.TextField(null=True)
    # The box's last answer as it came (JSON text, or the start of a non-JSON body).
    raw_answer = fields.TextField(null=True)
    qstash_message_id = fields.CharField(max_length=128, null=True)
    box_date_header = fields.CharField(max_length=64, null=True)
    # Prebookings firing at the same instant on one instance leave in creation order.
    gate_position = fields.IntField(null=True)  # 0-based place in that order
    gate_size = fields.IntField(null=True)  # how many fired at that instant
    gate_spread_ms = fields.FloatField(null=True)  # last minus first send of the batch

    class Meta:
        table = "prebookings"
        indexes = (("user", "created_at"), ("status", "opens_at"))
        # A rule places at most one prebooking a day, however often (or concurrently) it runs.
        unique_together = (("rule", "day"),)
