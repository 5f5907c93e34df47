"""Users, their AimHarder account and the boxes that account can book at."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Language(StrEnum):
    """The language of a user's notifications and emails."""

    ES = "es"
    CA = "ca"
    EN = "en"


DEFAULT_LANGUAGE = Language.ES


class User(Model):
    id = fields.UUIDField(primary_key=True)
    subject = fields.CharField(max_length=255, unique=True)
    email = fields.CharField(max_length=320)
    # Chosen by the user (`updateMe`); None until then.
    language = fields.CharEnumField(Language, max_length=2, null=True)
    # The language the box's answers came in (its `errorMssg`), when prebook could tell.
    box_language = fields.CharEnumField(Language, max_length=2, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    @property
    def effective_language(self) -> Language:
        """The user's choice, else the box's answers' language, else Spanish."""
        return self.language or self.box_language or DEFAULT_LANGUAGE

    class Meta:
        table = "users"


class AccountStatus(StrEnum):
    ACTIVE = "ACTIVE"
    LOGIN_FAILED = "LOGIN_FAILED"


class AimharderAccount(Model):
    """Credentials and session cookies are stored encrypted (models.encryption.Vault)."""

    id = fields.UUIDField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="aimharder_account", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=320)
    password_enc = fields.TextField()
    # The session: the `amhrdrauth` cookie value and the refresh token `tokenUpdate` rotates.
    token_enc = fields.TextField(null=True)
    refresh_token_enc = fields.TextField(null=True)
    # Until when the session is taken as good without asking AimHarder again.
    token_expires_at = fields.DatetimeField(null=True)
    # 50 characters [a-z0-9], made once per account and sent with every login and renewal:
    # the same device every time (AIMHARDER.md a).
    fingerprint = fields.CharField(max_length=50, null=True)
    # When AimHarder last confirmed the session (a login, a renewal or whoami).
    session_checked_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(AccountStatus, max_length=20, default=AccountStatus.ACTIVE)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    boxes: fields.ReverseRelation[AimharderBox]

    class Meta:
        table = "aimharder_accounts"


class AimharderBox(Model):
    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[AimharderAccount] = fields.ForeignKeyField(
        "models.AimharderAccount", related_name="boxes", on_delete=fields.CASCADE
    )
    box_id = fields.CharField(max_length=32)
    subdomain = fields.CharField(max_length=100)
    name = fields.CharField(max_length=255)
    timezone = fields.CharField(max_length=64, default="Europe/Madrid")
    # Learnt from the box's "too early" answer the first time prebook discovers an opening.
    window_amount = fields.IntField(null=True)
    window_unit = fields.CharField(max_length=8, null=True)

    class Meta:
        table = "aimharder_boxes"
        unique_together = (("account", "box_id"),)
