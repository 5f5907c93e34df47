"""Connecting a user's AimHarder account and keeping its session good where it matters.

AimHarder's session lifetime is unknown (30 minutes to hours, AIMHARDER.md b), so prebook does
not renew every account all day. A session is trusted for `TRUST` after AimHarder last confirmed
it (a login, a renewal or whoami); a delivery about to fire asks again unless it was confirmed
within `FIRING_CHECK`; the upkeep job checks only accounts with an opening soon. A session that
is gone is renewed (`tokenUpdate`), and when renewal is not a clear success, re-established by a
full login with the stored password and the account's own fingerprint.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from booking.aimharder import (
    AccessBlockedError,
    AimharderClient,
    AimharderSession,
    BoxInfo,
    InvalidCredentialsError,
    SessionExpiredError,
    UnexpectedAnswerError,
    UpstreamUnavailableError,
    is_fingerprint,
    new_fingerprint,
)
from models.encryption import Vault
from models.prebookings import Prebooking, PrebookingStatus
from models.users import AccountStatus, AimharderAccount, AimharderBox, User

__all__ = [
    "AimharderAccount",
    "BoxNotFoundError",
    "NotConnectedError",
    "UnknownTimezoneError",
    "account_for",
    "check_soon_opening",
    "connect",
    "fresh_session",
    "update_box",
]

log = logging.getLogger(__name__)

TRUST = timedelta(minutes=10)  # listing classes and discovery reuse a session this recent
FIRING_CHECK = timedelta(seconds=30)  # a booking about to fire asks AimHarder unless this recent
UPKEEP_HORIZON = timedelta(minutes=45)  # the upkeep job looks at openings this far ahead
_SESSION_FIELDS = ["token_enc", "refresh_token_enc", "token_expires_at", "fingerprint",
                   "session_checked_at", "status", "last_error", "updated_at"]


class NotConnectedError(Exception):
    """The user has no AimHarder account connected (or it can no longer log in)."""


class BoxNotFoundError(Exception):
    """The box is not one of the user's AimHarder boxes."""


class UnknownTimezoneError(ValueError):
    """Not an IANA time zone name."""


async def update_box(user: User, *, box_id: str, timezone: str) -> AimharderBox:
    """Set one of the user's boxes' time zone: openings computed from now on use it (pending
    prebookings follow it: `prebookings.follow_box_timezone`).

    AimHarder gives no zone anywhere (AIMHARDER.md f); Europe/Madrid is the default.
    """
    name = timezone.strip()
    if name not in zoneinfo.available_timezones():
        raise UnknownTimezoneError(
            f"{timezone!r} is not an IANA time zone name (e.g. Europe/Madrid)")
    account = await account_for(user)
    box = await AimharderBox.get_or_none(account=account, box_id=box_id)
    if box is None:
        raise BoxNotFoundError(f"box {box_id} is not one of your AimHarder boxes")
    box.timezone = name
    await box.save(update_fields=["timezone"])
    return box


def _fingerprint(account: AimharderAccount | None) -> str:
    """The account's stable device fingerprint, made once (never a new device per login)."""
    if account is not None and is_fingerprint(account.fingerprint):
        return str(account.fingerprint)
    return new_fingerprint()


async def connect(
    user: User, *, email: str, password: str, aimharder: AimharderClient, vault: Vault
) -> tuple[AimharderAccount, list[AimharderBox]]:
    """Log in and store the credentials (encrypted) with the session and the boxes.

    A reconnect keeps what prebook knows of each box that is still there: its time zone
    (set by the user) and its booking window (learned from "too early" answers).
    """
    existing = await AimharderAccount.get_or_none(user=user)
    session = await aimharder.login(email, password, _fingerprint(existing))
    async with in_transaction():
        account = existing or AimharderAccount(user=user)
        account.email = email
        account.password_enc = vault.encrypt(password)
        _store_session(account, session, vault, datetime.now(UTC))
        await account.save()
        kept = {b.box_id: b for b in await AimharderBox.filter(account=account)}
        boxes = []
        for info in session.boxes:
            box = kept.pop(info.id, None)
            if box is None:
                box = await AimharderBox.create(account=account, box_id=info.id,
                                                subdomain=info.subdomain, name=info.name,
                                                timezone=info.timezone)
            else:
                box.subdomain, box.name = info.subdomain, info.name
                await box.save(update_fields=["subdomain", "name"])
            boxes.append(box)
        if kept:
            await AimharderBox.filter(id__in=[b.id for b in kept.values()]).delete()
    return account, boxes


def _store_session(account: AimharderAccount, session: AimharderSession, vault: Vault,
                   now: datetime) -> None:
    account.token_enc = vault.encrypt(session.cookie)
    account.refresh_token_enc = (vault.encrypt(session.refresh_token)  # type: ignore[assignment]
                                 if session.refresh_token else None)
    account.fingerprint = session.fingerprint
    account.session_checked_at = now
    account.token_expires_at = now + TRUST
    account.status = AccountStatus.ACTIVE
    account.last_error = None  # type: ignore[assignment]


async def account_for(user: User) -> AimharderAccount:
    account = await AimharderAccount.get_or_none(user=user).prefetch_related("boxes")
    if account is None:
        raise NotConnectedError("connect your AimHarder account first")
    return account


def stored_session(account: AimharderAccount, vault: Vault) -> AimharderSession | None:
    if not account.token_enc or not is_fingerprint(account.fingerprint):
        return None  # none yet, or one of the shape older versions stored
    boxes = [BoxInfo(id=b.box_id, subdomain=b.subdomain, name=b.name, timezone=b.timezone)
             for b in account.boxes]
    return AimharderSession(
        email=account.email,
        cookie=vault.decrypt(account.token_enc),
        fingerprint=str(account.fingerprint),
        refresh_token=(vault.decrypt(account.refresh_token_enc)
                       if account.refresh_token_enc else None),
        boxes=boxes,
    )


async def fresh_session(
    account: AimharderAccount,
    *,
    aimharder: AimharderClient,
    vault: Vault,
    firing: bool = False,
    force: bool = False,
    now: datetime | None = None,
) -> AimharderSession:
    """A session AimHarder has confirmed recently: `TRUST`, or `FIRING_CHECK` when `firing`.

    An older one is checked with whoami; one that is gone (or `force`: it just answered
    logout) is renewed, else re-established by a full login. Raises NotConnectedError when the
    stored password no longer logs in (the account is marked so the user sees it), and lets
    AccessBlockedError and UpstreamUnavailableError through.
    """
    moment = now or datetime.now(UTC)
    session = stored_session(account, vault)
    if session is not None and not force:
        checked = account.session_checked_at
        if checked is not None and moment - checked <= (FIRING_CHECK if firing else TRUST):
            return session
        try:
            await aimharder.whoami(session)
        except (SessionExpiredError, UnexpectedAnswerError) as exc:
            log.info("AimHarder session of account %s needs renewal: %s", account.id, exc)
        except AccessBlockedError:
            raise
        except UpstreamUnavailableError as exc:
            # Unconfirmed but not known bad: a logout answer to the booking still re-logs in.
            log.warning("AimHarder whoami failed (%s); using the stored session", exc)
            return session
        else:
            await _mark_checked(account, moment)
            return session
    if session is not None and session.refresh_token:
        try:
            renewed = await aimharder.renew(session)
            await aimharder.whoami(renewed)
        except AccessBlockedError:
            raise
        except (SessionExpiredError, UpstreamUnavailableError) as exc:
            log.info("AimHarder renewal for account %s was no clear success (%s); logging in",
                     account.id, exc)
        else:
            await _save_session(account, renewed, vault, moment)
            return renewed
    return await _login(account, aimharder=aimharder, vault=vault, now=moment)


async def _login(account: AimharderAccount, *, aimharder: AimharderClient, vault: Vault,
                 now: datetime) -> AimharderSession:
    try:
        session = await aimharder.login(account.email, vault.decrypt(account.password_enc),
                                        _fingerprint(account))
    except InvalidCredentialsError as exc:
        account.status = AccountStatus.LOGIN_FAILED
        account.last_error = f"{exc}; connect again"
        await account.save(update_fields=["status", "last_error", "updated_at"])
        raise NotConnectedError(account.last_error) from None
    await _save_session(account, session, vault, now)
    return session


async def _mark_checked(account: AimharderAccount, now: datetime) -> None:
    """AimHarder confirmed the stored session: one small UPDATE (this runs inside the lead,
    for every prebooking of an instant at once)."""
    account.session_checked_at, account.token_expires_at = now, now + TRUST
    await AimharderAccount.filter(id=account.id).update(session_checked_at=now,
                                                        token_expires_at=now + TRUST)


async def _save_session(account: AimharderAccount, session: AimharderSession, vault: Vault,
                        now: datetime) -> None:
    _store_session(account, session, vault, now)
    await account.save(update_fields=_SESSION_FIELDS)


async def check_soon_opening(
    *, aimharder: AimharderClient, vault: Vault, now: datetime | None = None,
    within: timedelta = UPKEEP_HORIZON,
) -> dict[str, int]:
    """Make sure the sessions of accounts with a prebooking opening soon are good.

    Only those accounts: an account with one prebooking a day costs a whoami or two a day and
    a login only when its session has really gone.
    """
    moment = now or datetime.now(UTC)
    users = await Prebooking.filter(
        status=PrebookingStatus.PENDING, opens_at__gte=moment, opens_at__lt=moment + within,
    ).distinct().values_list("user_id", flat=True)
    counts = {"checked": 0, "login_failed": 0, "unavailable": 0, "blocked": 0}
    rows = await AimharderAccount.filter(
        user_id__in=list(users), status=AccountStatus.ACTIVE
    ).prefetch_related("boxes")
    for account in rows:
        try:
            await fresh_session(account, aimharder=aimharder, vault=vault, firing=True,
                                now=moment)
            counts["checked"] += 1
        except NotConnectedError:
            counts["login_failed"] += 1
        except AccessBlockedError:
            counts["blocked"] += 1
        except UpstreamUnavailableError:
            counts["unavailable"] += 1
    return counts
