"""Weekly rules: "my 18:00 WOD every Monday and Wednesday", placed as prebookings ahead."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.users import User


class Rule(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="rules", on_delete=fields.CASCADE
    )
    box_id = fields.CharField(max_length=32)
    # ISO weekdays, 1 (Monday) to 7 (Sunday), comma-separated in ascending order: "1,3".
    weekdays = fields.CharField(max_length=20)
    time = fields.CharField(max_length=5)  # "HH:MM", the class's start, box-local wall clock
    class_name = fields.CharField(max_length=100)  # case-insensitive substring
    family_id = fields.CharField(max_length=64, null=True)
    waitlist = fields.BooleanField(default=False)
    watch_if_full = fields.BooleanField(default=False)
    skip_dates: list[str] = fields.JSONField(default=list)  # ["YYYY-MM-DD", ...], sorted
    starts_on = fields.DateField(null=True)
    ends_on = fields.DateField(null=True)
    paused = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "rules"
        indexes = (("user", "created_at"),)
