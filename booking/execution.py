"""Executing a prebooking: claim it, prepare everything, wait for the instant, fire, record.

The send itself goes through the process's `OpeningGate`, so prebookings that open at the
same instant leave in creation order from one loop (see booking/gate.py).
"""

from __future__ import annotations

import contextlib
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from booking import accounts, lifecycle
from booking.aimharder import (
    AccessBlockedError,
    AimharderSession,
    BookAnswer,
    UpstreamUnavailableError,
)
from booking.aimharder.wire import Shot
from booking.gate import Volley
from booking.outcomes import Outcome, classify, is_success
from booking.services import Services
from jobs.catalog import EXECUTE_PREBOOKING
from jobs.payloads import ExecutePrebooking
from models.prebookings import Prebooking, PrebookingStatus

log = logging.getLogger(__name__)



# A delivery may hold its request open while it waits for the opening, but not for longer
# than this beyond the configured lead: a much earlier delivery is sent back to come again.
MAX_EXTRA_WAIT_S = 30.0


class ExecutionDeferredError(Exception):
    """Nothing was fired and the prebooking is PENDING: a later delivery may succeed."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ExecutionReport:
    prebooking_id: str
    status: PrebookingStatus | None  # None: no such prebooking
    ran: bool = True  # False: another path had it already (not PENDING when delivered)
    outcome: str | None = None
    lateness_ms: float | None = None
    attempts: int = 0
    box_date: str | None = None  # the box's Date header on the final answer
    gate_position: int | None = None  # place in creation order among same-instant firings
    gate_size: int | None = None
    gate_spread_ms: float | None = None  # last minus first send of that batch, this host

    def as_json(self) -> dict[str, object]:
        return {
            "prebookingId": self.prebooking_id, "ran": self.ran,
            "status": self.status.value if self.status else None, "outcome": self.outcome,
            "latenessMs": self.lateness_ms, "attempts": self.attempts, "boxDate": self.box_date,
            "gatePosition": self.gate_position, "gateSize": self.gate_size,
            "gateSpreadMs": self.gate_spread_ms,
        }


async def schedule_execution(prebooking_id: uuid.UUID, opens_at: datetime, *,
                             services: Services) -> str:
    """Publish the `prebooking.execute` job, due PREBOOK_LEAD_SECONDS before `opens_at` (at once
    when that is past); its deduplication id makes a second publish of one prebooking for one
    opening a no-op at QStash (an opening moved by a new time zone is a new message). Returns
    the message id; raises PublishFailed."""
    not_before = math.floor(
        (opens_at - timedelta(seconds=services.timing.lead_seconds)).timestamp())
    return await services.jobs.enqueue(
        EXECUTE_PREBOOKING, ExecutePrebooking(prebooking_id=prebooking_id),
        not_before=not_before if not_before > datetime.now(UTC).timestamp() else None,
        deduplication_id=f"prebooking-{prebooking_id}-{math.floor(opens_at.timestamp())}")


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def _from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


async def claim(prebooking_id: uuid.UUID, *, services: Services) -> Prebooking | None:
    """PENDING -> EXECUTING in one conditional UPDATE: exactly one delivery wins."""
    return await lifecycle.move(prebooking_id, source=PrebookingStatus.PENDING,
                                target=PrebookingStatus.EXECUTING, services=services)


async def execute(prebooking_id: uuid.UUID, *, services: Services) -> ExecutionReport:
    """Run one prebooking to a final state. A prebooking that is not PENDING is left alone."""
    pending = await Prebooking.get_or_none(id=prebooking_id, status=PrebookingStatus.PENDING)
    if pending is not None:
        early_s = (pending.opens_at - datetime.now(UTC)).total_seconds()
        if early_s > services.timing.lead_seconds + MAX_EXTRA_WAIT_S:
            raise ExecutionDeferredError(
                f"delivered {early_s:.0f}s before the opening; come back later",
                retry_after=int(early_s - services.timing.lead_seconds),
            )
    prebooking = await claim(prebooking_id, services=services)
    if prebooking is None:
        current = await Prebooking.get_or_none(id=prebooking_id)
        return ExecutionReport(str(prebooking_id), current.status if current else None,
                               ran=False)
    await prebooking.fetch_related("user")
    try:
        account = await accounts.account_for(prebooking.user)
        # The booking goes out on a session AimHarder has just confirmed (or re-established).
        session = await accounts.fresh_session(
            account, aimharder=services.aimharder, vault=services.vault, firing=True
        )
    except accounts.NotConnectedError as exc:
        return await record_outcome(services, prebooking, None, error=str(exc), attempts=0)
    except AccessBlockedError as exc:
        return await record_outcome(services, prebooking, None, error=str(exc), attempts=0,
                                    outcome=Outcome.ACCESS_BLOCKED)
    except UpstreamUnavailableError as exc:
        # Nothing was fired: back to PENDING for QStash's next delivery.
        await lifecycle.move(prebooking.id, source=PrebookingStatus.EXECUTING,
                             target=PrebookingStatus.PENDING, services=services)
        raise ExecutionDeferredError(f"AimHarder unavailable before firing: {exc}") from exc
    return await fire(services, prebooking, account, session)


async def fire(
    services: Services,
    prebooking: Prebooking,
    account: accounts.AimharderAccount,
    session: AimharderSession,
) -> ExecutionReport:
    aimharder, timing = services.aimharder, services.timing

    def prepare(s: AimharderSession) -> httpx.Request:
        return aimharder.prepare_book(
            s, subdomain=prebooking.box_subdomain, class_id=prebooking.class_id,
            day=prebooking.day, family_id=prebooking.family_id, insist=prebooking.waitlist,
        )

    shot = Shot(prepare(session), answer_timeout_s=timing.answer_timeout_s,
                proxy=aimharder.proxy)
    with contextlib.suppress(UpstreamUnavailableError):
        await shot.open()  # the gate reopens it just before the instant if this failed
    target_ns = _ns(prebooking.opens_at) + int(timing.fire_offset_ms * 1_000_000)
    deadline_ns = target_ns + int(timing.too_early_window_ms * 1_000_000)
    volley = await services.gate.fire(
        shot, target_ns=target_ns, order=(_ns(prebooking.created_at), str(prebooking.id)),
        deadline_ns=deadline_ns,
    )
    attempts, first_sent_ns, answer = volley.attempts, volley.first_sent_ns, volley.answer
    if answer is None:
        return await record_outcome(
            services, prebooking, None, error=f"no answer from the box: {volley.error}",
            attempts=attempts, first_sent_ns=first_sent_ns, volley=volley,
        )
    if classify(answer) is not Outcome.LOGGED_OUT:
        return await record_outcome(services, prebooking, answer, error=None,
                                    attempts=attempts, first_sent_ns=first_sent_ns,
                                    volley=volley)
    # The session died between the check and the instant: log in once, then go alone.
    try:
        session = await accounts.fresh_session(
            account, aimharder=aimharder, vault=services.vault, force=True
        )
    except (accounts.NotConnectedError, UpstreamUnavailableError, AccessBlockedError) as exc:
        return await record_outcome(services, prebooking, answer, error=str(exc),
                                    attempts=attempts, first_sent_ns=first_sent_ns,
                                    volley=volley)
    # The same gate sends it (at once: its instant has passed), with the same resend rules.
    again = await services.gate.fire(
        Shot(prepare(session), answer_timeout_s=timing.answer_timeout_s, proxy=aimharder.proxy),
        target_ns=target_ns, order=(_ns(prebooking.created_at), str(prebooking.id)),
        deadline_ns=deadline_ns,
    )
    attempts += again.attempts
    if again.answer is None:
        return await record_outcome(
            services, prebooking, answer, error=f"no answer from the box: {again.error}",
            attempts=attempts, first_sent_ns=first_sent_ns, volley=volley,
        )
    return await record_outcome(services, prebooking, again.answer, error=None,
                                attempts=attempts, first_sent_ns=first_sent_ns, volley=volley)


async def record_outcome(
    services: Services,
    prebooking: Prebooking,
    answer: BookAnswer | None,
    *,
    error: str | None,
    attempts: int,
    first_sent_ns: int | None = None,
    volley: Volley | None = None,
    outcome: Outcome | None = None,
) -> ExecutionReport:
    """Move an EXECUTING prebooking to its final state with what happened (lifecycle).

    A FULL answer to a prebooking with `watch_if_full` moves it to WATCHING instead (the
    lifecycle plans the next check). On a watch check (`watch_checks` > 0) the figures of the
    opening (sent, lateness, gate) are kept: they describe the opening, not the check."""
    if answer is not None:
        outcome = classify(answer)
    success = outcome is not None and is_success(outcome) and error is None
    watch_check = prebooking.watch_checks > 0
    facts: dict[str, object] = {"attempts": attempts,
                                "outcome": outcome.value if outcome else None}
    if answer is not None:
        facts.update(book_state=answer.book_state, booking_id=answer.booking_id,
                     box_date_header=answer.date_header, raw_answer=answer.raw,
                     answered_at=_from_ns(answer.received_at_ns))
    if first_sent_ns is not None and not watch_check:
        facts.update(fired_at=_from_ns(first_sent_ns),
                     lateness_ms=(first_sent_ns - _ns(prebooking.opens_at)) / 1e6)
    if volley is not None and not watch_check:
        facts.update(gate_position=volley.position, gate_size=volley.size,
                     gate_spread_ms=volley.spread_ms)
    if not success:
        facts["error_message"] = error or _describe(answer)
    target = PrebookingStatus.COMPLETED if success else PrebookingStatus.FAILED
    if outcome is Outcome.FULL and error is None and prebooking.watch_if_full:
        target = PrebookingStatus.WATCHING
    row = await lifecycle.move(prebooking.id, source=PrebookingStatus.EXECUTING, target=target,
                               services=services, facts=facts)
    if row is None:  # something else (the dead-letter reconcile, the sweep) ended it first
        current = await Prebooking.get(id=prebooking.id)
        log.warning("prebooking %s was already %s when its answer came", prebooking.id,
                    current.status)
        return ExecutionReport(str(prebooking.id), current.status, ran=False,
                               outcome=current.outcome)
    log.info(
        "prebooking %s %s outcome=%s lateness_ms=%s attempts=%d gate=%s/%s spread_ms=%s",
        row.id, row.status, row.outcome, row.lateness_ms, attempts,
        volley and volley.position, volley and volley.size, volley and volley.spread_ms,
    )
    return ExecutionReport(
        str(row.id), row.status, outcome=row.outcome, lateness_ms=row.lateness_ms,
        attempts=attempts, box_date=row.box_date_header if answer is not None else None,
        gate_position=volley.position if volley else None,
        gate_size=volley.size if volley else None,
        gate_spread_ms=volley.spread_ms if volley else None,
    )


def _describe(answer: BookAnswer | None) -> str:
    if answer is None:
        return "no answer from the box"
    if answer.blocked:
        return str(AccessBlockedError(f"HTTP {answer.status_code} to the booking"))
    if answer.error_message:
        return answer.error_message
    return f"the box answered HTTP {answer.status_code} with bookState {answer.book_state}"
