"""Sessions fresh where it matters, not renewed all day: counted against the fake box.

In-process against a real database; the upkeep job and the delivery's check run on an
injected clock, the fake box on loopback answers with real sessions.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from booking import accounts
from booking.services import Services
from fakebox import DEMO_EMAIL, DEMO_PASSWORD
from models.prebookings import Prebooking
from models.users import AccountStatus, User
from tests.servers import ServerThread


async def box_requests(url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=url) as control:
        return (await control.get("/_fake/requests")).json()  # type: ignore[no-any-return]


async def box_calls(url: str) -> dict[str, int]:
    """How many of each AimHarder endpoint the box answered (login, whoami, …)."""
    return dict(Counter(str(r["path"]).rsplit("/", 1)[-1] for r in await box_requests(url)))


async def test_one_prebooking_a_day_costs_a_login_or_two_not_one_every_20_minutes(
    services: Services, fakebox_server: ServerThread,
) -> None:
    user = await User.create(subject="day-user", email="day@example.com")
    await accounts.connect(user, email=DEMO_EMAIL, password=DEMO_PASSWORD,
                           aimharder=services.aimharder, vault=services.vault)
    start = datetime.now(UTC).replace(microsecond=0)
    openings = [start + timedelta(hours=8), start + timedelta(hours=20)]
    for n, opens_at in enumerate(openings):
        await Prebooking.create(user=user, box_id="10001", box_subdomain="demo",
                                box_timezone="Europe/Madrid", class_id=str(n),
                                day=date.today(), opens_at=opens_at, dedup_key=f"k{n}")
    async with httpx.AsyncClient(base_url=fakebox_server.url) as control:
        for tick in range(72):  # a day of the upkeep job, every 20 minutes
            now = start + timedelta(minutes=20 * tick)
            if tick == 36:  # every session ends at the box (expiry, a logout elsewhere)
                (await control.post("/_fake/sessions/expire")).raise_for_status()
            await accounts.check_soon_opening(aimharder=services.aimharder,
                                              vault=services.vault, now=now)
            for opens_at in openings:
                if now < opens_at - timedelta(seconds=5) <= now + timedelta(minutes=20):
                    account = await accounts.account_for(user)  # the delivery, inside the lead
                    await accounts.fresh_session(account, aimharder=services.aimharder,
                                                 vault=services.vault, firing=True,
                                                 now=opens_at - timedelta(seconds=5))
    calls = await box_calls(fakebox_server.url)
    # connect's login, and after the box ended every session one renewal (or one login)
    assert calls.get("login", 0) + calls.get("tokenUpdate", 0) <= 3, calls
    assert calls.get("login", 0) <= 2, calls
    # whoami only around the two openings: 3 upkeep ticks and the delivery, each
    assert 2 <= calls.get("whoami", 0) <= 10, calls


async def test_a_dead_session_is_renewed_else_logged_in_again(
    services: Services, fakebox_server: ServerThread,
) -> None:
    user = await User.create(subject="renew-user", email="renew@example.com")
    account, _ = await accounts.connect(user, email=DEMO_EMAIL, password=DEMO_PASSWORD,
                                        aimharder=services.aimharder, vault=services.vault)
    fingerprint = account.fingerprint
    later = datetime.now(UTC) + timedelta(hours=1)
    async with httpx.AsyncClient(base_url=fakebox_server.url) as control:
        (await control.post("/_fake/sessions/expire")).raise_for_status()
        account = await accounts.account_for(user)
        renewed = await accounts.fresh_session(account, aimharder=services.aimharder,
                                               vault=services.vault, now=later)
        assert renewed.fingerprint == fingerprint
        account = await accounts.account_for(user)
        account.refresh_token_enc = services.vault.encrypt("rotated-away")
        await account.save()
        (await control.post("/_fake/sessions/expire")).raise_for_status()
        again = await accounts.fresh_session(account, aimharder=services.aimharder,
                                             vault=services.vault,
                                             now=later + timedelta(hours=1))
    assert again.fingerprint == fingerprint  # the same device on every login
    account = await accounts.account_for(user)
    assert account.status is AccountStatus.ACTIVE and account.session_checked_at is not None
    calls = await box_calls(fakebox_server.url)
    assert calls["login"] == 2 and calls["tokenUpdate"] == 2, calls
    logins = [r for r in await box_requests(fakebox_server.url)
              if str(r["path"]).endswith("/api/login")]
    assert {r["json"]["fingerprint"] for r in logins} == {fingerprint}


async def test_a_changed_password_marks_the_account_and_geo_blocking_does_not(
    services: Services, fakebox_server: ServerThread,
) -> None:
    user = await User.create(subject="pw-user", email="pw@example.com")
    await accounts.connect(user, email=DEMO_EMAIL, password=DEMO_PASSWORD,
                           aimharder=services.aimharder, vault=services.vault)
    account = await accounts.account_for(user)
    account.password_enc = services.vault.encrypt("changed-at-aimharder")
    account.refresh_token_enc = None  # type: ignore[assignment]
    await account.save()
    later = datetime.now(UTC) + timedelta(hours=1)
    async with httpx.AsyncClient(base_url=fakebox_server.url) as control:
        (await control.post("/_fake/geo-block", json={"on": True})).raise_for_status()
        with pytest.raises(accounts.AccessBlockedError):
            await accounts.fresh_session(account, aimharder=services.aimharder,
                                         vault=services.vault, now=later)
        (await control.post("/_fake/geo-block", json={"on": False})).raise_for_status()
        assert (await accounts.account_for(user)).status is AccountStatus.ACTIVE
        (await control.post("/_fake/sessions/expire")).raise_for_status()
        with pytest.raises(accounts.NotConnectedError, match="connect again"):
            await accounts.fresh_session(account, aimharder=services.aimharder,
                                         vault=services.vault, now=later)
    failed = await accounts.account_for(user)
    assert failed.status is AccountStatus.LOGIN_FAILED
    assert "changed-at-aimharder" not in (failed.last_error or "")
