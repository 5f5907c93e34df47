"""Executing a prebooking: claim it, prepare everything, wait for the instant, fire, record."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from booking import accounts
from booking.aimharder import AimharderSession, BookAnswer, UpstreamUnavailable
from booking.clock import sleep_until_ns
from booking.outcomes import Outcome, classify, is_success
from booking.services import Services
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)

# Pauses between "too early" retries: the first retry is immediate, then short steps.
TOO_EARLY_BACKOFF_S = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25)


# A delivery may hold its request open while it waits for the opening, but not for longer
# than this beyond the configured lead: a much earlier delivery is sent back to come again.
MAX_EXTRA_WAIT_S = 30.0


class ExecutionDeferred(Exception):
    """Nothing was fired and the prebooking is PENDING: a later delivery may succeed."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ExecutionReport:
    prebooking_id: str
    status: str
    outcome: str | None = None
    lateness_ms: float | None = None
    attempts: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "prebookingId": self.prebooking_id, "status": self.status, "outcome": self.outcome,
            "latenessMs": self.lateness_ms, "attempts": self.attempts,
        }


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def _from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


async def claim(prebooking_id: uuid.UUID) -> bool:
    """PENDING -> EXECUTING in one conditional UPDATE: exactly one delivery wins."""
    updated = await Prebooking.filter(id=prebooking_id, status=PrebookingStatus.PENDING).update(
        status=PrebookingStatus.EXECUTING, claimed_at=datetime.now(UTC)
    )
    return updated == 1


async def execute(prebooking_id: uuid.UUID, *, services: Services) -> ExecutionReport:
    """Run one prebooking to a final state. A prebooking that is not PENDING is left alone."""
    pending = await Prebooking.get_or_none(id=prebooking_id, status=PrebookingStatus.PENDING)
    if pending is not None:
        early_s = (pending.opens_at - datetime.now(UTC)).total_seconds()
        if early_s > services.timing.lead_seconds + MAX_EXTRA_WAIT_S:
            raise ExecutionDeferred(
                f"delivered {early_s:.0f}s before the opening; come back later",
                retry_after=int(early_s - services.timing.lead_seconds),
            )
    if not await claim(prebooking_id):
        current = await Prebooking.get_or_none(id=prebooking_id)
        status = current.status.value if current else "MISSING"
        return ExecutionReport(str(prebooking_id), status=f"NOT_CLAIMED:{status}")
    prebooking = await Prebooking.get(id=prebooking_id).prefetch_related("user")
    _notify(services, prebooking)
    try:
        account = await accounts.account_for(prebooking.user)
        session = await accounts.fresh_session(
            account, aimharder=services.aimharder, vault=services.vault
        )
    except accounts.NotConnected as exc:
        return await record_outcome(services, prebooking, None, error=str(exc), attempts=0)
    except UpstreamUnavailable as exc:
        await _release(prebooking)
        raise ExecutionDeferred(f"AimHarder unavailable before firing: {exc}") from exc
    return await _fire(services, prebooking, account, session)


async def _release(prebooking: Prebooking) -> None:
    await Prebooking.filter(id=prebooking.id, status=PrebookingStatus.EXECUTING).update(
        status=PrebookingStatus.PENDING, claimed_at=None
    )


async def _fire(
    services: Services,
    prebooking: Prebooking,
    account: accounts.AimharderAccount,
    session: AimharderSession,
) -> ExecutionReport:
    aimharder, timing = services.aimharder, services.timing

    def prepare(s: AimharderSession):  # type: ignore[no-untyped-def]
        return aimharder.prepare_book(
            s, subdomain=prebooking.box_subdomain, class_id=prebooking.class_id,
            day=prebooking.day, family_id=prebooking.family_id,
        )

    request = prepare(session)
    await aimharder.warm(prebooking.box_subdomain)
    opens_ns = _ns(prebooking.opens_at)
    target_ns = opens_ns + int(timing.fire_offset_ms * 1_000_000)
    await sleep_until_ns(target_ns)
    deadline_ns = target_ns + int(timing.too_early_window_ms * 1_000_000)

    attempts, relogged = 0, False
    first_sent_ns: int | None = None
    answer: BookAnswer | None = None
    while True:
        attempts += 1
        try:
            answer = await aimharder.send_book(request)
        except UpstreamUnavailable as exc:
            first_sent_ns = first_sent_ns or exc.sent_at_ns
            return await record_outcome(
                services, prebooking, answer, error=f"no answer from the box: {exc}",
                attempts=attempts, first_sent_ns=first_sent_ns,
            )
        first_sent_ns = first_sent_ns or answer.sent_at_ns
        outcome = classify(answer)
        if outcome is Outcome.LOGGED_OUT and not relogged:
            relogged = True
            try:
                session = await accounts.fresh_session(
                    account, aimharder=aimharder, vault=services.vault, force=True
                )
            except (accounts.NotConnected, UpstreamUnavailable) as exc:
                return await record_outcome(services, prebooking, answer, error=str(exc),
                                     attempts=attempts, first_sent_ns=first_sent_ns)
            request = prepare(session)
            continue
        if outcome is Outcome.TOO_EARLY and time.time_ns() < deadline_ns:
            pause = TOO_EARLY_BACKOFF_S[min(attempts - 1, len(TOO_EARLY_BACKOFF_S) - 1)]
            if pause:
                await asyncio.sleep(pause)
            continue
        return await record_outcome(services, prebooking, answer, error=None, attempts=attempts,
                             first_sent_ns=first_sent_ns)


async def record_outcome(
    services: Services,
    prebooking: Prebooking,
    answer: BookAnswer | None,
    *,
    error: str | None,
    attempts: int,
    first_sent_ns: int | None = None,
) -> ExecutionReport:
    outcome = classify(answer) if answer is not None else None
    success = outcome is not None and is_success(outcome) and error is None
    prebooking.status = PrebookingStatus.COMPLETED if success else PrebookingStatus.FAILED
    prebooking.attempts = attempts
    prebooking.outcome = outcome.value if outcome else None
    if answer is not None:
        prebooking.book_state = answer.book_state
        prebooking.booking_id = answer.booking_id
        prebooking.box_date_header = answer.date_header
        prebooking.answered_at = _from_ns(answer.received_at_ns)
    if first_sent_ns is not None:
        prebooking.fired_at = _from_ns(first_sent_ns)
        prebooking.lateness_ms = (first_sent_ns - _ns(prebooking.opens_at)) / 1e6
    if not success:
        prebooking.error_message = error or _describe(answer)
        prebooking.dedup_key = None
    await prebooking.save()
    _notify(services, prebooking)
    log.info(
        "prebooking %s %s outcome=%s lateness_ms=%s attempts=%d",
        prebooking.id, prebooking.status, prebooking.outcome, prebooking.lateness_ms, attempts,
    )
    return ExecutionReport(
        str(prebooking.id), prebooking.status.value, prebooking.outcome,
        prebooking.lateness_ms, attempts,
    )


def _describe(answer: BookAnswer | None) -> str:
    if answer is None:
        return "no answer from the box"
    if answer.error_message:
        return answer.error_message
    return f"the box answered HTTP {answer.status_code} with bookState {answer.book_state}"


def _notify(services: Services, prebooking: Prebooking) -> None:
    services.events.publish(user_id=prebooking.user_id, prebooking_id=prebooking.id)  # type: ignore[attr-defined]
