"""Connecting a user's AimHarder account and keeping its session fresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from booking.aimharder import (
    AimharderClient,
    AimharderSession,
    BoxInfo,
    InvalidCredentials,
    SessionExpired,
    UpstreamUnavailable,
)
from models.encryption import Vault
from models.users import AccountStatus, AimharderAccount, AimharderBox, User

__all__ = ["AimharderAccount", "NotConnected", "account_for", "connect", "fresh_session"]

# A session this close to expiry is renewed before it is used.
REFRESH_MARGIN = timedelta(minutes=5)


class NotConnected(Exception):
    """The user has no AimHarder account connected (or it can no longer log in)."""


async def connect(
    user: User, *, email: str, password: str, aimharder: AimharderClient, vault: Vault
) -> tuple[AimharderAccount, list[AimharderBox]]:
    """Log in with the credentials and store them (encrypted) with the session and boxes."""
    session = await aimharder.login(email, password)
    async with in_transaction():
        account = await AimharderAccount.get_or_none(user=user)
        if account is None:
            account = AimharderAccount(user=user)
        account.email = email
        account.password_enc = vault.encrypt(password)
        _store_session(account, session, vault)
        await account.save()
        await AimharderBox.filter(account=account).delete()
        boxes = [
            await AimharderBox.create(
                account=account, box_id=b.id, subdomain=b.subdomain, name=b.name,
                timezone=b.timezone,
            )
            for b in session.boxes
        ]
    return account, boxes


def _store_session(account: AimharderAccount, session: AimharderSession, vault: Vault) -> None:
    account.token_enc = vault.encrypt(session.token)
    account.refresh_token_enc = vault.encrypt(session.refresh_token)
    account.token_expires_at = session.expires_at
    account.status = AccountStatus.ACTIVE
    account.last_error = None  # type: ignore[assignment]


async def account_for(user: User) -> AimharderAccount:
    account = await AimharderAccount.get_or_none(user=user).prefetch_related("boxes")
    if account is None:
        raise NotConnected("connect your AimHarder account first")
    return account


def _session_from(account: AimharderAccount, vault: Vault) -> AimharderSession | None:
    if not account.token_enc or not account.refresh_token_enc or not account.token_expires_at:
        return None
    boxes = [BoxInfo(id=b.box_id, subdomain=b.subdomain, name=b.name, timezone=b.timezone)
             for b in account.boxes]
    return AimharderSession(
        email=account.email,
        token=vault.decrypt(account.token_enc),
        refresh_token=vault.decrypt(account.refresh_token_enc),
        expires_at=account.token_expires_at,
        boxes=boxes,
    )


async def fresh_session(
    account: AimharderAccount, *, aimharder: AimharderClient, vault: Vault, force: bool = False
) -> AimharderSession:
    """A session valid for at least REFRESH_MARGIN: stored, refreshed, or a new login.

    Raises NotConnected when the stored password no longer logs in (the account is marked so
    the user sees it), and lets UpstreamUnavailable through.
    """
    session = _session_from(account, vault)
    now = datetime.now(UTC)
    if session is not None and not force and not session.expires_within(REFRESH_MARGIN, now=now):
        return session
    renewed: AimharderSession | None = None
    if session is not None:
        try:
            renewed = await aimharder.refresh(session)
        except SessionExpired:
            renewed = None
    if renewed is None:
        try:
            renewed = await aimharder.login(account.email, vault.decrypt(account.password_enc))
        except InvalidCredentials:
            account.status = AccountStatus.LOGIN_FAILED
            account.last_error = "AimHarder refused the stored password; connect again"
            await account.save(update_fields=["status", "last_error", "updated_at"])
            raise NotConnected(account.last_error) from None
    _store_session(account, renewed, vault)
    await account.save(
        update_fields=[
            "token_enc", "refresh_token_enc", "token_expires_at", "status", "last_error",
            "updated_at",
        ]
    )
    return renewed


async def refresh_expiring(
    *, aimharder: AimharderClient, vault: Vault, within: timedelta = timedelta(minutes=30)
) -> dict[str, int]:
    """Renew sessions that expire soon; accounts that can no longer log in are marked."""
    soon = datetime.now(UTC) + within
    counts = {"refreshed": 0, "login_failed": 0, "unavailable": 0}
    rows = await AimharderAccount.filter(
        status=AccountStatus.ACTIVE, token_expires_at__lt=soon
    ).prefetch_related("boxes")
    for account in rows:
        try:
            await fresh_session(account, aimharder=aimharder, vault=vault, force=True)
            counts["refreshed"] += 1
        except NotConnected:
            counts["login_failed"] += 1
        except UpstreamUnavailable:
            counts["unavailable"] += 1
    return counts
